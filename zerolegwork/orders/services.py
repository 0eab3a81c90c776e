"""Issue service orders and find the ones a user may see (flush, never commit).

Issuing starts the order's own instance of `order_<kind>` (bpmn/order_<kind>.bpmn), whose lanes are the
issuer (`issuer`) and the agency (`agency`); the steps' domain work is in orders/steps.py.
Who may issue on a project: its unit, its competent department, a finance department that sees it.
Who sees an order: the issuer, the agency and the project's unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..engine import runtime
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import today_local
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, User
from ..projects.engagements import agencies
from ..projects.errors import ProjectNotFoundError
from ..projects.models import Project
from ..projects.services import get_visible_project
from .errors import OrderFormError, OrderNotFoundError
from .figures import audited_amounts, contracts_of
from .models import OrderDelivery, OrderKind, OrderState, ServiceOrder

FINANCE = "finance"
SCOPE_MAX = 4000
KIND_LABELS = {
    OrderKind.CONSULTING: _l("Project consulting"),
    OrderKind.SUPERVISION: _l("Project supervision"),
    OrderKind.COST_AUDIT: _l("Cost audit"),
    OrderKind.PERFORMANCE: _l("Third-party performance evaluation"),
}
STATE_LABELS = {
    OrderState.ISSUED: _l("Issued, waiting for the agency"),
    OrderState.ACCEPTED: _l("Accepted by the agency"),
    OrderState.DECLINED: _l("Declined by the agency"),
    OrderState.DELIVERED: _l("Delivered, waiting for the check"),
    OrderState.RETURNED: _l("Returned to the agency"),
    OrderState.COMPLETED: _l("Completed"),
}

# what a list row shows besides the order: the project, the issuer, the agency (one statement a page)
LIST_LOADS = (joinedload(ServiceOrder.project), joinedload(ServiceOrder.issuer), joinedload(ServiceOrder.agency))


def process_of(kind: str) -> str:
    """The process an order of this kind runs."""
    return f"order_{kind}"


def may_issue(user: User, project: Project) -> bool:
    """The project's unit, its competent department, or a finance department (the project is visible to them)."""
    org = user.org
    if org.id in (project.unit_id, project.competent_department_id):
        return True
    return org.kind == OrgKind.DEPARTMENT and org.dept_type == FINANCE


def qualified_agencies(kind: str) -> list[Organisation]:
    """Active agencies whose service types include the order's kind."""
    return agencies(kind)


def start_data(order: ServiceOrder) -> dict[str, Any]:
    """The start data of an order's instance: the lanes' organisations and what the forms show."""
    project = order.project
    return {
        "issuer": order.issuer.code,
        "agency": order.agency.code,
        # the project's own unit: its steps (an order it issued) carry no 审批/核准/备案 badge or statutory clock
        "project_unit": project.unit.code,
        "project_id": project.id,
        "project_name": project.name,
        "project_code": project.code,
        "order_id": order.id,
        "order_kind": order.kind,
    }


def parse_form(form: Any) -> dict[str, Any]:
    """The order form's answers, or OrderFormError with a Chinese message per field."""
    errors: dict[str, str] = {}
    kind = str(form.get("kind") or "")
    if kind not in set(OrderKind):
        errors["kind"] = str(_l("Choose one of the listed values."))
    raw_agency = str(form.get("agency_id") or "")
    agency = None
    if not raw_agency.isdigit() or len(raw_agency) > 12:
        errors["agency_id"] = str(_l("Choose an agency qualified for this service."))
    elif kind in set(OrderKind):
        agency = next((a for a in qualified_agencies(kind) if a.id == int(raw_agency)), None)
        if agency is None:
            errors["agency_id"] = str(_l("Choose an agency qualified for this service."))
    scope = str(form.get("scope") or "").strip()
    if not scope:
        errors["scope"] = str(_l("This field is required."))
    elif len(scope) > SCOPE_MAX:
        errors["scope"] = str(_l("At most %(n)d characters.", n=SCOPE_MAX))
    due_on = None
    try:
        due_on = date.fromisoformat(str(form.get("due_on") or ""))
    except ValueError:
        errors["due_on"] = str(_l("Enter a date like 2026-03-01."))
    if due_on is not None and due_on < today_local():
        errors["due_on"] = str(_l("The due date cannot be in the past."))
    if errors:
        raise OrderFormError(errors)
    return {"kind": kind, "agency": agency, "scope": scope, "due_on": due_on}


def issue_order(user: User, project_id: int, form: Any) -> ServiceOrder:
    """Issue an order on a project to a qualified agency and start its process (flush only)."""
    try:
        project = get_visible_project(user, project_id)
    except ProjectNotFoundError:
        raise OrderNotFoundError(project_id) from None
    if not may_issue(user, project):
        raise OrderNotFoundError(project_id)
    answers = parse_form(form)
    order = ServiceOrder(
        project_id=project.id,
        kind=answers["kind"],
        issuer_id=user.org_id,
        agency_id=answers["agency"].id,
        scope=answers["scope"],
        due_on=answers["due_on"],
        state=OrderState.ISSUED,
        created_by_id=user.id,
    )
    db.session.add(order)
    db.session.flush()
    started = runtime.start_instance(process_of(order.kind), start_data(order), user.id, project.id)
    order.instance_id = started.instance_id
    audit.record(
        "order.issue", "service_order", order.id, user.id, project=project.id, kind=order.kind, agency=order.agency_id
    )
    db.session.flush()
    return order


def visible_clause(user: User) -> Any:
    """The orders the user's organisation is a party to: issuer, agency, or the project's unit."""
    of_unit = select(Project.id).where(Project.unit_id == user.org_id)
    return or_(
        ServiceOrder.issuer_id == user.org_id,
        ServiceOrder.agency_id == user.org_id,
        ServiceOrder.project_id.in_(of_unit),
    )


def get_order(user: User, order_id: int) -> ServiceOrder:
    """The order, or OrderNotFoundError when it does not exist or the user is no party to it."""
    order = db.session.scalars(select(ServiceOrder).where(ServiceOrder.id == order_id, visible_clause(user))).first()
    if order is None:
        raise OrderNotFoundError(order_id)
    return order


def orders_query(user: User, kind: str = "", state: str = "", project_id: int | None = None) -> Select[Any]:
    """The user's orders, filtered by kind, state and project (unknown filter values are ignored)."""
    stmt = select(ServiceOrder).where(visible_clause(user))
    if kind in set(OrderKind):
        stmt = stmt.where(ServiceOrder.kind == kind)
    if state in set(OrderState):
        stmt = stmt.where(ServiceOrder.state == state)
    if project_id is not None:
        stmt = stmt.where(ServiceOrder.project_id == project_id)
    return stmt


def orders_page(user: User, kind: str, state: str, page: int, per_page: int) -> tuple[list[ServiceOrder], int]:
    """One page of the user's orders, newest first, and how many there are."""
    stmt = orders_query(user, kind, state)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.options(*LIST_LOADS).order_by(ServiceOrder.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), int(total)


def orders_of_project(user: User, project_id: int) -> list[ServiceOrder]:
    """The project's orders the user is a party to, newest first (the project page lists them)."""
    stmt = orders_query(user, project_id=project_id).options(joinedload(ServiceOrder.agency))
    return list(db.session.scalars(stmt.order_by(ServiceOrder.id.desc())))


def history(order: ServiceOrder) -> list[dict[str, Any]]:
    """The order's steps so far from its instance's task rows, oldest first: title, who, when, waiting or done."""
    if order.instance_id is None:
        return []
    rows = list(
        db.session.scalars(select(HumanTask).where(HumanTask.instance_id == order.instance_id).order_by(HumanTask.id))
    )
    ids = {r.completed_by_id for r in rows if r.completed_by_id}
    names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [
        {
            "title": r.title,
            "lane": r.lane,
            "waiting": r.state == HumanTaskState.READY,
            "by": names.get(r.completed_by_id or 0),
            "at": r.completed_at,
            "task_id": r.id,
            "org_code": r.org_code,
        }
        for r in rows
    ]


def deliveries_of(order: ServiceOrder) -> list[OrderDelivery]:
    """The order's deliveries, newest first, with their contract figures and report files."""
    return list(
        db.session.scalars(
            select(OrderDelivery)
            .where(OrderDelivery.order_id == order.id)
            .options(selectinload(OrderDelivery.contracts))
            .order_by(OrderDelivery.id.desc())
        )
    )


def project_panel(user: User, project: Project) -> dict[str, Any]:
    """What the project page shows: the contracts with their accepted 审定金额, the user's orders, the issue link."""
    contracts = contracts_of(project.id)
    return {
        "contracts": contracts,
        "audited": audited_amounts([project.id]) if contracts else {},
        "orders": orders_of_project(user, project.id),
        "may_issue": may_issue(user, project),
    }
