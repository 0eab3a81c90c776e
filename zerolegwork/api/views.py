"""The data exchange API (/api/v1): JSON for systems such as the finance budget system (财政一体化).

Every call but the OpenAPI document carries `Authorization: Bearer <token>`; the token's user is the
signed-in user of the request (api/__init__.py), so permissions.POLICY and project_scope apply as on
the pages. A project the user may not see answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..projects.errors import ProjectNotFoundError
from . import services
from .errors import (
    ArrangementConflictError,
    ArrangementInvalidError,
    BadRequestError,
)
from .schemas import (
    MAX_ARRANGEMENTS,
    ArrangementArgsSchema,
    ArrangementInSchema,
    BudgetArrangementSchema,
    ContractSchema,
    FundingSchema,
    ImportResultSchema,
    InvestmentPlanSchema,
    PageArgsSchema,
    ProcurementSchema,
    ProgressReportSchema,
    ProjectArgsSchema,
    ProjectSchema,
    ReviewsSchema,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# the largest id a path may name: larger numbers cannot be a row (and would overflow the database's integer)
MAX_ID = 2**31 - 1


def _args(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise BadRequestError(dict(exc.messages)) from None  # type: ignore[arg-type]


def _page(page: services.Page, schema: type[Schema]) -> dict[str, Any]:
    return {
        "items": schema(many=True).dump(page.items),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


def _id(project_id: int) -> int:
    if project_id > MAX_ID:
        raise ProjectNotFoundError(str(project_id))
    return project_id


@bp.get("/projects")
def projects():  # type: ignore[no-untyped-def]
    args = _args(ProjectArgsSchema())
    return _page(services.projects_page(current_user, args, args["page"], args["per_page"]), ProjectSchema)


@bp.get("/projects/<int:project_id>")
def project(project_id: int):  # type: ignore[no-untyped-def]
    return ProjectSchema().dump(services.project(current_user, _id(project_id)))


@bp.get("/projects/<int:project_id>/investment")
def investment(project_id: int):  # type: ignore[no-untyped-def]
    args = _args(PageArgsSchema())
    found = services.investment_plans(current_user, _id(project_id), args["page"], args["per_page"])
    return _page(found, InvestmentPlanSchema)


@bp.get("/projects/<int:project_id>/funding")
def funding(project_id: int):  # type: ignore[no-untyped-def]
    return FundingSchema().dump(services.funding(current_user, _id(project_id)))


@bp.get("/projects/<int:project_id>/procurement")
def procurement(project_id: int):  # type: ignore[no-untyped-def]
    args = _args(PageArgsSchema())
    found = services.procurements(current_user, _id(project_id), args["page"], args["per_page"])
    return _page(found, ProcurementSchema)


@bp.get("/projects/<int:project_id>/contracts")
def contracts(project_id: int):  # type: ignore[no-untyped-def]
    args = _args(PageArgsSchema())
    return _page(services.contracts(current_user, _id(project_id), args["page"], args["per_page"]), ContractSchema)


@bp.get("/projects/<int:project_id>/progress")
def progress(project_id: int):  # type: ignore[no-untyped-def]
    args = _args(PageArgsSchema())
    found = services.progress_reports(current_user, _id(project_id), args["page"], args["per_page"])
    return _page(found, ProgressReportSchema)


@bp.get("/projects/<int:project_id>/reviews")
def reviews(project_id: int):  # type: ignore[no-untyped-def]
    return ReviewsSchema().dump(services.reviews(current_user, _id(project_id)))


@bp.get("/budget-arrangements")
def arrangements():  # type: ignore[no-untyped-def]
    args = _args(ArrangementArgsSchema())
    project_id = args.get("project_id")
    found = services.arrangements_page(current_user, project_id, args.get("year"), args["page"], args["per_page"])
    return _page(found, BudgetArrangementSchema)


@bp.post("/budget-arrangements")
def import_arrangements():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    if not isinstance(body, list):
        raise BadRequestError({"_body": [_("Send a JSON list of budget arrangements.")]})
    if len(body) > MAX_ARRANGEMENTS:
        raise BadRequestError({"_body": [_("Send at most %(n)s arrangements at once.", n=MAX_ARRANGEMENTS)]})
    items = _load_items(body)
    try:
        result = services.import_arrangements(current_user, g.api_token, items)
        db.session.commit()
    except IntegrityError:
        # another request kept the same arrangement at this moment: sending again finds it unchanged
        db.session.rollback()
        raise ArrangementConflictError(
            {"_request": {"_schema": [_("Another import wrote the same arrangement at this moment; send again.")]}}
        ) from None
    return ImportResultSchema().dump(result), 201 if result.created else 200


@bp.post("/projects/<int:project_id>/payments")
def import_payments(project_id: int):  # type: ignore[no-untyped-def]
    from ..exchange.inbound import enter_payments

    found = services.project(current_user, _id(project_id))
    ids = enter_payments(current_user, found, request.get_json(silent=True))
    db.session.commit()
    return {"created": len(ids), "payment_ids": ids}, 201


def _load_items(body: list[Any]) -> list[dict[str, Any]]:
    """Every item loaded on its own, so each invalid one gets all its errors; ArrangementInvalidError if any."""
    schema = ArrangementInSchema()
    items, errors = [], {}
    for index, raw in enumerate(body):
        try:
            items.append(schema.load(raw))
        except ValidationError as exc:
            errors[str(index)] = exc.messages
    if errors:
        raise ArrangementInvalidError(errors)  # type: ignore[arg-type]
    return items


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    from .spec import document_json

    return Response(document_json(), mimetype="application/json")
