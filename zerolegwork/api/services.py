"""What the data exchange API reads and writes, always within the acting user's project scope (flush only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..engine import runtime
from ..engine.errors import EngineError
from ..extensions import db
from ..orgs.models import User
from ..permissions import project_scope
from ..projects import library
from ..projects.models import Project, ProjectState
from ..projects.services import get_visible_project
from ..records.models import (
    Acceptance,
    Contract,
    InvestmentPlan,
    PerformanceEvaluation,
    Procurement,
    ProgressReport,
)
from ..records.services import current_investment_plan
from .errors import ArrangementConflictError, ArrangementInvalidError
from .models import ApiToken, BudgetArrangement

FOUR_PLACES = Decimal("0.0001")
OPINION_KEYS = ("round_no", "department", "org_name", "decision", "opinion", "signed_by", "signed_at")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int


def _page(stmt: Select[Any], page: int, per_page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(list(rows), page, per_page, int(total))


def projects_page(user: User, args: Mapping[str, Any], page: int, per_page: int) -> Page:
    """The projects the user may see that match the project library's filters, one page."""
    stmt = library.filtered(user, library.ProjectQuery.from_args(args)).options(
        joinedload(Project.unit), joinedload(Project.competent_department)
    )
    return _page(stmt, page, per_page)


def project(user: User, project_id: int) -> Project:
    """One project the user may see; ProjectNotFoundError (404) otherwise."""
    return get_visible_project(user, project_id)


def investment_plans(user: User, project_id: int, page: int, per_page: int) -> Page:
    """Every version of the project's investment plan with its funding sources, newest first."""
    get_visible_project(user, project_id)
    stmt = (
        select(InvestmentPlan)
        .where(InvestmentPlan.project_id == project_id)
        .options(selectinload(InvestmentPlan.sources))
        .order_by(InvestmentPlan.version.desc())
    )
    return _page(stmt, page, per_page)


def funding(user: User, project_id: int) -> dict[str, Any]:
    """Planned money by source (current plan), the budget arranged so far and the funds disbursed (latest report)."""
    get_visible_project(user, project_id)
    plan = current_investment_plan(project_id)
    arranged = db.session.scalar(
        select(func.coalesce(func.sum(BudgetArrangement.amount), 0)).where(BudgetArrangement.project_id == project_id)
    )
    disbursed = db.session.scalar(
        select(ProgressReport.funds_disbursed)
        .where(ProgressReport.project_id == project_id)
        .order_by(ProgressReport.period.desc(), ProgressReport.id.desc())
        .limit(1)
    )
    return {
        "project_id": project_id,
        "plan_version": plan.version if plan else None,
        "planned_total": plan.total if plan else None,
        "sources": list(plan.sources) if plan else [],
        "budget_arranged_total": Decimal(arranged or 0).quantize(FOUR_PLACES),
        "funds_disbursed": disbursed,
    }


def _records(user: User, project_id: int, model: Any, *order: Any, page: int, per_page: int) -> Page:
    get_visible_project(user, project_id)
    stmt = select(model).where(model.project_id == project_id).order_by(*order, model.id.desc())
    return _page(stmt, page, per_page)


def procurements(user: User, project_id: int, page: int, per_page: int) -> Page:
    return _records(user, project_id, Procurement, Procurement.awarded_on.desc(), page=page, per_page=per_page)


def contracts(user: User, project_id: int, page: int, per_page: int) -> Page:
    return _records(user, project_id, Contract, Contract.signed_on.desc(), page=page, per_page=per_page)


def progress_reports(user: User, project_id: int, page: int, per_page: int) -> Page:
    """The monthly progress reports, latest period first (the first one is the project's current progress)."""
    return _records(user, project_id, ProgressReport, ProgressReport.period.desc(), page=page, per_page=per_page)


def reviews(user: User, project_id: int) -> dict[str, Any]:
    """The joint sign-off's outcome and opinions, the acceptances and the performance evaluations."""
    found = get_visible_project(user, project_id)
    acceptances = db.session.scalars(
        select(Acceptance)
        .where(Acceptance.project_id == project_id)
        .order_by(Acceptance.accepted_on.desc(), Acceptance.id.desc())
    )
    evaluations = db.session.scalars(
        select(PerformanceEvaluation)
        .where(PerformanceEvaluation.project_id == project_id)
        .order_by(PerformanceEvaluation.created_at.desc(), PerformanceEvaluation.id.desc())
    )
    return {
        "project_id": project_id,
        "signoff": signoff(found),
        "acceptances": list(acceptances),
        "performance_evaluations": list(evaluations),
    }


def signoff(found: Project) -> dict[str, Any]:
    """Where the joint sign-off stands: its outcome (from the last finished round) and every opinion given."""
    data: dict[str, Any] = {}
    if found.instance_id is not None:
        try:
            data = runtime.instance_data(found.instance_id)
        except EngineError:
            data = {}
    raw = data.get("opinions") if isinstance(data.get("opinions"), list) else []
    opinions = [_opinion(o) for o in raw if isinstance(o, Mapping)]
    current = data.get("round_no") if isinstance(data.get("round_no"), int) else 0
    last = [o for o in opinions if o["round_no"] == current and current > 0]
    if found.instance_id is None or found.state == ProjectState.DRAFT:
        outcome = "not_submitted"
    elif last:
        outcome = "returned" if any(o["decision"] == "reject" for o in last) else "approved"
    elif found.state == ProjectState.APPROVED:
        outcome = "approved"
    else:
        outcome = "pending"
    rounds = max((o["round_no"] or 0 for o in opinions), default=0)
    return {"outcome": outcome, "rounds": rounds, "opinions": opinions}


def _opinion(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in OPINION_KEYS:
        value = raw.get(key)
        if key == "round_no":
            out[key] = value if isinstance(value, int) and not isinstance(value, bool) else None
        else:
            out[key] = None if value is None else str(value)[:2000]
    return out


# -- budget arrangements (财政一体化) ----------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    unchanged: int
    items: list[dict[str, Any]]


def arrangements_page(user: User, project_id: int | None, year: int | None, page: int, per_page: int) -> Page:
    """The budget arrangements of the projects the user may see (of one project: 404 when it is not visible)."""
    if project_id is not None:
        get_visible_project(user, project_id)
    stmt = (
        select(BudgetArrangement, Project.code)
        .join(Project, Project.id == BudgetArrangement.project_id)
        .where(project_scope(user))
        .order_by(BudgetArrangement.project_id, BudgetArrangement.year, BudgetArrangement.id)
    )
    if project_id is not None:
        stmt = stmt.where(BudgetArrangement.project_id == project_id)
    if year is not None:
        stmt = stmt.where(BudgetArrangement.year == year)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([arrangement_dict(row, code) for row, code in rows], page, per_page, int(total))


def arrangement_dict(row: BudgetArrangement, code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "project_code": code,
        "year": row.year,
        "amount": row.amount,
        "source": row.source,
        "document_no": row.document_no,
        "arranged_on": row.arranged_on,
        "created_at": row.created_at,
    }


def _same(row: BudgetArrangement | dict[str, Any], item: dict[str, Any]) -> bool:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return bool(get("amount") == item["amount"] and get("source") == item["source"]) and bool(
        get("arranged_on") == item["arranged_on"]
    )


def import_arrangements(user: User, token: ApiToken, items: list[dict[str, Any]]) -> ImportResult:
    """Keep budget arrangements all or nothing (flush only); one already kept under the same key is not duplicated.

    `items` are loaded ArrangementInSchema values. The key is (project, year, document number); an item
    equal to the kept arrangement counts as unchanged, one that differs from it is a conflict
    (ArrangementConflictError, 409). A project the user may not see, or the same key twice with different
    values, makes the item invalid (ArrangementInvalidError, 422). Nothing is written unless every item is good.
    """
    projects = _visible_projects(user, items)
    errors: dict[str, dict[str, list[str]]] = {}
    keyed: list[tuple[int, str, tuple[int, int, str], dict[str, Any]]] = []
    batch: dict[tuple[int, int, str], dict[str, Any]] = {}
    for index, item in enumerate(items):
        field = "project_id" if "project_id" in item else "project_code"
        found = projects.get((field, item[field]))
        if found is None:
            errors[str(index)] = {field: [_("The project does not exist, or you may not see it.")]}
            continue
        value = {**item, "document_no": item["document_no"].strip(), "amount": item["amount"].quantize(FOUR_PLACES)}
        key = (found.id, value["year"], value["document_no"])
        earlier = batch.get(key)
        if earlier is not None and not _same(earlier, value):
            errors[str(index)] = {
                "document_no": [_("This arrangement appears twice in the list with different values.")]
            }
            continue
        batch.setdefault(key, value)
        keyed.append((index, found.code, key, value))
    if errors:
        raise ArrangementInvalidError(errors)
    existing = _kept(list(batch))
    for index, _code, key, value in keyed:
        kept = existing.get(key)
        if kept is not None and not _same(kept, value):
            errors[str(index)] = {
                "amount": [
                    _(
                        "An arrangement with this project, year and document number is already kept with other values "
                        "(%(amount)s 万元, %(source)s, %(date)s); send an adjustment under a new document number.",
                        amount=format(kept.amount, "f"),
                        source=kept.source,
                        date=kept.arranged_on.isoformat(),
                    )
                ]
            }
    if errors:
        raise ArrangementConflictError(errors)
    created = 0
    out = []
    for _index, code, key, value in keyed:
        row = existing.get(key)
        if row is None:
            row = BudgetArrangement(
                project_id=key[0],
                year=value["year"],
                amount=value["amount"],
                source=value["source"],
                document_no=value["document_no"],
                arranged_on=value["arranged_on"],
                imported_by_id=token.id,
            )
            db.session.add(row)
            db.session.flush()
            existing[key] = row
            created += 1
            audit.record(
                "budget.arrange",
                "project",
                row.project_id,
                user.id,
                token=token.prefix,
                year=row.year,
                amount=format(row.amount, "f"),
                source=row.source,
                document_no=row.document_no,
            )
        out.append(arrangement_dict(row, code))
    if created:
        from ..funds.reconcile import refresh_projects  # the arranged amounts changed: reconcile the projects again

        refresh_projects({key[0] for _i, _c, key, _v in keyed})
    return ImportResult(created, len(out) - created, out)


def _visible_projects(user: User, items: list[dict[str, Any]]) -> dict[tuple[str, Any], Project]:
    ids = {i["project_id"] for i in items if "project_id" in i}
    codes = {i["project_code"] for i in items if "project_code" in i}
    if not ids and not codes:
        return {}
    rows = db.session.scalars(
        select(Project).where(project_scope(user), or_(Project.id.in_(ids), Project.code.in_(codes)))
    ).all()
    found: dict[tuple[str, Any], Project] = {}
    for row in rows:
        found[("project_id", row.id)] = row
        found[("project_code", row.code)] = row
    return found


def _kept(keys: list[tuple[int, int, str]]) -> dict[tuple[int, int, str], BudgetArrangement]:
    if not keys:
        return {}
    rows = db.session.scalars(
        select(BudgetArrangement).where(BudgetArrangement.project_id.in_({k[0] for k in keys}))
    ).all()
    wanted = set(keys)
    return {k: r for r in rows if (k := (r.project_id, r.year, r.document_no)) in wanted}
