"""What an order's task page shows beside the form: the order, its contracts for a cost audit, its page."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..engine.hooks import Summary
from ..engine.models import HumanTask
from ..extensions import db
from ..i18n import money
from ..orgs.models import User
from .figures import contracts_of
from .models import OrderKind, ServiceOrder
from .services import KIND_LABELS, STATE_LABELS


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
    return Summary(_("Service order"), rows, links)
