"""The domain work of a service order's steps, registered as step hooks (engine/hooks.py) by the forms' names.

Each hook finds the order by the task's instance; a refusal is a FormValidationError raised before the
engine moves, so nothing is saved. 接受委托 (order_answer) accepts or declines, 提交成果 (order_deliver)
keeps a delivery with the uploaded report and the kind's figures, 成果验收 (order_check) accepts it or
returns it with the reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..engine import hooks
from ..engine.forms import FormValidationError
from ..engine.models import HumanTask
from ..engine.routing import today_local
from ..extensions import db
from ..files.models import Attachment
from ..funds import reconcile
from ..orgs.models import User
from ..projects.models import Engagement
from . import reports
from .figures import contracts_of
from .models import DeliveryState, OrderContractFigure, OrderDelivery, OrderKind, OrderState, ServiceOrder
from .summary import order_summary

FIGURE_KEYS = {
    OrderKind.SUPERVISION: ("period_from", "period_to"),
    OrderKind.PERFORMANCE: ("score", "grade"),
}
CONCLUSION_KEY = {OrderKind.SUPERVISION: "findings"}


def order_of(task: HumanTask) -> ServiceOrder:
    """The order the task's instance runs (every order instance has one)."""
    order = db.session.scalars(
        select(ServiceOrder).where(ServiceOrder.instance_id == task.instance_id).with_for_update()
    ).first()
    if order is None:
        raise FormValidationError({"_form": _("This task does not belong to a service order.")})
    return order


def refuse(field: str, message: str) -> None:
    raise FormValidationError({field: message})


def pending_delivery(order: ServiceOrder) -> OrderDelivery | None:
    return db.session.scalars(
        select(OrderDelivery).where(OrderDelivery.order_id == order.id, OrderDelivery.state == DeliveryState.PENDING)
    ).first()


def engage(order: ServiceOrder, user: User) -> None:
    """Accepting engages the agency on the project for the service (it then sees the project and uploads)."""
    row = db.session.scalar(
        select(Engagement).where(
            Engagement.project_id == order.project_id,
            Engagement.agency_id == order.agency_id,
            Engagement.service_type == order.kind,
        )
    )
    if row is None:
        row = Engagement(project_id=order.project_id, agency_id=order.agency_id, service_type=order.kind)
        db.session.add(row)
    if row.ended_on is None and row.id is not None:
        return
    row.started_on, row.ended_on, row.created_by_id = today_local(), None, user.id
    db.session.flush()


def check_answer(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """接受委托: accept (the agency is engaged on the project) or decline with the reason."""
    order = order_of(task)
    if order.state != OrderState.ISSUED:
        refuse("_form", _("This order has already been answered."))
    opinion = str(answers.get("opinion") or "").strip()
    if answers.get("decision") == "decline":
        if not opinion:
            refuse("opinion", _("Give the reason for declining the order."))
        order.state, order.decline_reason, order.closed_at = OrderState.DECLINED, opinion, utcnow()
        audit.record("order.decline", "service_order", order.id, user.id, opinion=opinion)
        return
    order.state = OrderState.ACCEPTED
    engage(order, user)
    audit.record("order.accept", "service_order", order.id, user.id)


def contract_figures(order: ServiceOrder, rows: Any) -> list[OrderContractFigure]:
    """A cost audit's rows as figures: each names a contract of the order's project, once."""
    own = {c.id for c in contracts_of(order.project_id)}
    errors: dict[str, str] = {}
    seen: set[int] = set()
    figures = []
    for i, row in enumerate(rows or []):
        contract_id = int(row["contract_id"])
        if contract_id not in own:
            errors[f"contracts.{i}.contract_id"] = _("No contract of this project has this number.")
        elif contract_id in seen:
            errors[f"contracts.{i}.contract_id"] = _("This contract is listed twice.")
        seen.add(contract_id)
        figures.append(
            OrderContractFigure(
                contract_id=contract_id, submitted=Decimal(str(row["submitted"])), audited=Decimal(str(row["audited"]))
            )
        )
    if errors:
        raise FormValidationError(errors)
    return figures


def new_report(order: ServiceOrder) -> Attachment:
    """The newest report version the agency uploaded that no earlier delivery carries."""
    attachment = reports.latest_report(order)
    used = db.session.scalar(
        select(OrderDelivery.id).where(OrderDelivery.attachment_id == (attachment.id if attachment else -1))
    )
    if attachment is None or used is not None:
        refuse("_form", _("Upload the report on the order's page first."))
    return attachment  # type: ignore[return-value]


def check_deliver(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """提交成果: a delivery with the new report and the kind's figures; the issuer checks it next."""
    order = order_of(task)
    if order.state not in (OrderState.ACCEPTED, OrderState.RETURNED):
        refuse("_form", _("This order is not waiting for a delivery."))
    figures: dict[str, Any] = {k: answers.get(k) for k in FIGURE_KEYS.get(order.kind, ())}
    supervision = order.kind == OrderKind.SUPERVISION
    if supervision and date.fromisoformat(answers["period_to"]) < date.fromisoformat(answers["period_from"]):
        refuse("period_to", _("The period cannot end before it starts."))
    lines = contract_figures(order, answers.get("contracts")) if order.kind == OrderKind.COST_AUDIT else []
    attachment = new_report(order)
    rounds = db.session.scalar(select(db.func.count(OrderDelivery.id)).where(OrderDelivery.order_id == order.id))
    delivery = OrderDelivery(
        order_id=order.id,
        round_no=int(rounds or 0) + 1,
        attachment_id=attachment.id,
        conclusion=str(answers.get(CONCLUSION_KEY.get(order.kind, "conclusion")) or ""),
        figures={k: (str(v) if v is not None else None) for k, v in figures.items()},
        state=DeliveryState.PENDING,
        delivered_by_id=user.id,
        contracts=lines,
    )
    if order.kind == OrderKind.COST_AUDIT:
        delivery.project_submitted = Decimal(str(answers["project_submitted"]))
        delivery.project_audited = Decimal(str(answers["project_audited"]))
    db.session.add(delivery)
    order.state = OrderState.DELIVERED
    db.session.flush()
    answers["delivery_id"] = delivery.id
    audit.record("order.deliver", "service_order", order.id, user.id, delivery=delivery.id, report=attachment.sha256)


def check_check(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """成果验收: accept the pending delivery (the order is completed) or return it with the reason."""
    order = order_of(task)
    delivery = pending_delivery(order) if order.state == OrderState.DELIVERED else None
    if delivery is None:
        refuse("_form", _("This order has no delivery waiting for a check."))
    assert delivery is not None
    opinion = str(answers.get("opinion") or "").strip()
    returned = answers.get("decision") == "return"
    if returned and not opinion:
        refuse("opinion", _("Give the reason for returning the delivery."))
    delivery.state = DeliveryState.RETURNED if returned else DeliveryState.ACCEPTED
    delivery.reason, delivery.decided_by_id, delivery.decided_at = opinion or None, user.id, utcnow()
    order.state = OrderState.RETURNED if returned else OrderState.COMPLETED
    if not returned:
        order.closed_at = utcnow()
    db.session.flush()
    if not returned and order.kind == OrderKind.COST_AUDIT:
        reconcile.refresh(order.project)  # the audited amounts now cap the contracts' payments
    audit.record(
        "order.return" if returned else "order.complete",
        "service_order",
        order.id,
        user.id,
        delivery=delivery.id,
        opinion=opinion,
    )


def register() -> None:
    """Register every order step's hook and the report slot's owner (the app factory calls this once)."""
    hooks.register("order_answer", check=check_answer, summary=order_summary)
    hooks.register("order_deliver", check=check_deliver, summary=order_summary)
    hooks.register("order_check", check=check_check, summary=order_summary)
    reports.register()
