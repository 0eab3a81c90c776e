"""What an order's task page shows beside the form: the order, its contracts for a cost audit, its page."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..engine.hooks import Summary
from ..engine.models import HumanTask
from ..extensions import db
from ..i18n import money
from ..orgs.models import User
from .figures import contracts_of
from .models import DeliveryState, OrderDelivery, OrderKind, ServiceOrder
from .services import KIND_LABELS, STATE_LABELS

FIGURE_LABELS = {
    "period_from": _l("Period from"),
    "period_to": _l("Period to"),
    "score": _l("Score"),
    "grade": _l("Grade"),
}
GRADES = {
    "excellent": "优",
    "good": "良",
    "fair": "中",
    "poor": "差",
}  # the grade choice's labels (form order_performance_deliver)


def delivery_rows(delivery: OrderDelivery) -> list[tuple[str, str]]:
    """The figures of a delivery the issuer checks."""
    rows = [(_("Delivery %(n)d", n=delivery.round_no), delivery.conclusion[:500])]
    for key, value in sorted((delivery.figures or {}).items()):
        shown = GRADES.get(str(value), value) if key == "grade" else value
        rows.append((str(FIGURE_LABELS.get(key, key)), str(shown or "—")))
    if delivery.project_audited is not None:
        rows.append(
            (
                _("Cost audit"),
                _(
                    "Project: submitted %(s)s, audited %(a)s (10k yuan)",
                    s=money(delivery.project_submitted),
                    a=money(delivery.project_audited),
                ),
            )
        )
    for line in delivery.contracts:
        rows.append(
            (
                _("Contract number %(n)d", n=line.contract_id),
                _("submitted %(s)s, audited %(a)s 10k yuan", s=money(line.submitted), a=money(line.audited)),
            )
        )
    return rows


def order_summary(user: User, task: HumanTask, data: dict[str, Any]) -> Summary | None:
    """The order's facts; for a cost audit's delivery the project's contracts with their numbers."""
    order = db.session.scalars(select(ServiceOrder).where(ServiceOrder.instance_id == task.instance_id)).first()
    if order is None:
        return None
    rows = [
        (_("Project"), order.project.name),
        (_("Service"), str(KIND_LABELS.get(order.kind, order.kind))),
        (_("Issuer"), order.issuer.name),
        (_("Agency"), order.agency.name),
        (_("Scope and requirements"), order.scope[:500]),
        (_("Due date"), order.due_on.isoformat()),
        (_("State"), str(STATE_LABELS.get(order.state, order.state))),
    ]
    if order.kind == OrderKind.COST_AUDIT and task.bpmn_id == "deliver":
        for contract in contracts_of(order.project_id):
            rows.append(
                (
                    _("Contract number %(n)d", n=contract.id),
                    _("%(title)s, amount %(amount)s 10k yuan", title=contract.title, amount=money(contract.amount)),
                )
            )
    links = [(_("The order's page (report upload, deliveries)"), url_for("orders.detail", order_id=order.id))]
    delivery = db.session.scalars(
        select(OrderDelivery).where(OrderDelivery.order_id == order.id, OrderDelivery.state == DeliveryState.PENDING)
    ).first()
    if delivery is not None and task.bpmn_id == "check_delivery":
        rows += delivery_rows(delivery)
        if delivery.attachment_id:
            links.append((_("The delivered report"), url_for("files.download", attachment_id=delivery.attachment_id)))
    return Summary(_("Service order"), rows, links)
