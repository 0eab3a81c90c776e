"""The OpenAPI 3.0 document of the data exchange API, generated from its marshmallow schemas.

Served at /api/v1/openapi.json. It is built once per process and does not depend on the request or
the language, so the same code always serves the same document.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import schemas as s

TITLE = "零跑腿 Zero-Legwork 数据交换接口 (data exchange API)"
VERSION = "1.0.0"
PREFIX = "/api/v1"
ERRORS = {
    400: ("BadRequest", "The query arguments or the body are not what the endpoint reads (errors per field)."),
    401: ("Unauthorized", "No token, or a malformed, unknown, revoked or expired token."),
    403: ("Forbidden", "The token lacks the scope, or a browser session was sent instead of a token."),
    404: ("NotFound", "The project does not exist, or the token's user may not see it."),
    409: ("Conflict", "An item contradicts an arrangement already kept; nothing was imported (errors per item)."),
    422: ("Unprocessable", "Some items are not valid; nothing was imported (errors per item index, then field)."),
}
PROJECT_ID = {
    "in": "path",
    "name": "project_id",
    "required": True,
    "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    "example": 1,
}


def _responses(ok: dict[str, Any], *codes: int) -> dict[Any, Any]:
    out: dict[Any, Any] = dict(ok)
    for code in (401, 403, *codes):
        out[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    return out


def _json(schema: Any, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _project_read(summary: str, schema: Any, paged: bool) -> dict[str, Any]:
    parameters: list[Any] = [PROJECT_ID]
    codes = (404,)
    if paged:
        parameters.append({"in": "query", "schema": s.PageArgsSchema})
        codes = (400, 404)
    return {
        "get": {
            "summary": summary,
            "tags": ["projects"],
            "parameters": parameters,
            "responses": _responses({"200": _json(schema, "OK")}, *codes),
        }
    }


def build() -> dict[str, Any]:
    """The document as a dict."""
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Projects, investment, funding, procurement, contracts, progress and review results of the "
                "projects the token's user may see, and the import of budget arrangements from the finance "
                "budget system (财政一体化). Money is 万元 as decimal strings with four places. Send "
                "`Authorization: Bearer <token>`; tokens are issued with `flask zlw api token create`."
            )
        },
        security=[{"bearerAuth": []}],
        tags=[{"name": "projects"}, {"name": "budget"}, {"name": "meta"}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=s.ErrorSchema)
    for code, (name, description) in ERRORS.items():
        response = _json("Error", description)
        if code == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        spec.components.response(name, response)
    pages = {
        name: s.page_of(item, f"{name}Page")
        for name, item in (
            ("Project", s.ProjectSchema),
            ("InvestmentPlan", s.InvestmentPlanSchema),
            ("Procurement", s.ProcurementSchema),
            ("Contract", s.ContractSchema),
            ("ProgressReport", s.ProgressReportSchema),
            ("BudgetArrangement", s.BudgetArrangementSchema),
        )
    }
    for name, page in pages.items():
        spec.components.schema(f"{name}Page", schema=page)

    spec.path(
        path=f"{PREFIX}/projects",
        operations={
            "get": {
                "summary": "Projects the token's user may see, filtered like the project library",
                "tags": ["projects"],
                "parameters": [{"in": "query", "schema": s.ProjectArgsSchema}],
                "responses": _responses({"200": _json("ProjectPage", "One page of projects")}, 400),
            }
        },
    )
    spec.path(path=f"{PREFIX}/projects/{{project_id}}", operations=_project_read("One project", s.ProjectSchema, False))
    reads = (
        (
            "investment",
            "Investment plans, every version, newest first, with funding sources",
            "InvestmentPlanPage",
            True,
        ),
        ("funding", "Money by source: planned, budget arranged, disbursed", s.FundingSchema, False),
        ("procurement", "Procurements and their awards", "ProcurementPage", True),
        ("contracts", "Filed contracts", "ContractPage", True),
        ("progress", "Monthly progress reports, latest period first", "ProgressReportPage", True),
        (
            "reviews",
            "Joint sign-off outcome and opinions, acceptances, performance evaluations",
            s.ReviewsSchema,
            False,
        ),
    )
    for segment, summary, schema, paged in reads:
        spec.path(path=f"{PREFIX}/projects/{{project_id}}/{segment}", operations=_project_read(summary, schema, paged))
    spec.path(
        path=f"{PREFIX}/budget-arrangements",
        operations={
            "get": {
                "summary": "Budget arrangements of the projects the token's user may see",
                "tags": ["budget"],
                "parameters": [{"in": "query", "schema": s.ArrangementArgsSchema}],
                "responses": _responses({"200": _json("BudgetArrangementPage", "One page of arrangements")}, 400, 404),
            },
            "post": {
                "summary": "Import budget arrangements, all or nothing; sending one again does not duplicate it",
                "description": (
                    "Needs the scope `budget:write`. The key of an arrangement is (project, year, document_no): "
                    "an item equal to the kept one is unchanged, one that differs is a conflict (409)."
                ),
                "tags": ["budget"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "maxItems": s.MAX_ARRANGEMENTS,
                                "items": s.ArrangementInSchema,
                            }
                        }
                    },
                },
                "responses": _responses(
                    {
                        "200": _json(s.ImportResultSchema, "Every item was kept already (unchanged)"),
                        "201": _json(s.ImportResultSchema, "Arrangements were created"),
                    },
                    400,
                    409,
                    422,
                ),
            },
        },
    )
    spec.path(
        path=f"{PREFIX}/projects/{{project_id}}/payments",
        operations={
            "post": {
                "summary": "Enter payments (拨付) of the project from the finance system, all or nothing",
                "description": (
                    "Needs the scope `budget:write`. Each item is checked as the payment form checks it (date, "
                    "amount above 0 in 万元, payee, funding source, the contract by id or exact title); one bad "
                    "item refuses the whole list (422, errors by item index). The payments are reconciled at once."
                ),
                "tags": ["budget"],
                "parameters": [PROJECT_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "maxItems": s.MAX_PAYMENTS, "items": s.PaymentInSchema}
                        }
                    },
                },
                "responses": _responses(
                    {"201": {"description": "The payments were entered", "content": {"application/json": {}}}},
                    400,
                    404,
                    422,
                ),
            }
        },
    )
    spec.path(
        path=f"{PREFIX}/openapi.json",
        operations={
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document", "content": {"application/json": {}}}},
            }
        },
    )
    return spec.to_dict()


@cache
def document_json() -> str:
    """The document as JSON text (built once; stable key order)."""
    return json.dumps(build(), ensure_ascii=False, indent=1)
