"""An order's report file: the evidence slot "order<id>_report", whose line is the agency's.

Reports are attachments of the project (files/), stored, checked and served like any evidence; only
the order's agency adds a version, and only while the order waits for a delivery.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..files import owners
from ..files.models import Attachment
from ..orgs.models import User
from ..projects.models import Project
from .models import OrderState, ServiceOrder

PREFIX = "order"
SLOT_RE = re.compile(PREFIX + r"(\d{1,12})_report")
OPEN_STATES = (OrderState.ACCEPTED, OrderState.RETURNED)


def slot_for(order_id: int) -> str:
    """The evidence slot of an order's report."""
    return f"{PREFIX}{order_id}_report"


def order_of_slot(slot: str) -> int | None:
    match = SLOT_RE.fullmatch(slot)
    return int(match.group(1)) if match else None


def line_owner(user: User, project: Project, slot: str) -> int | None:
    """The agency's line, for its own people while the order waits for a delivery; None for everyone else."""
    order_id = order_of_slot(slot)
    if order_id is None:
        return None
    agency_id = db.session.scalar(
        select(ServiceOrder.agency_id).where(
            ServiceOrder.id == order_id,
            ServiceOrder.project_id == project.id,
            ServiceOrder.state.in_(OPEN_STATES),
        )
    )
    return agency_id if agency_id is not None and agency_id == user.org_id else None


def may_upload(user: User, order: ServiceOrder) -> bool:
    """The order page offers the upload form to the agency while the order waits for a delivery."""
    return order.agency_id == user.org_id and order.state in OPEN_STATES


def report_versions(order: ServiceOrder) -> list[Attachment]:
    """Every report version of the order, newest first (withdrawn ones marked, kept)."""
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.project_id == order.project_id, Attachment.slot == slot_for(order.id))
            .order_by(Attachment.version.desc())
        )
    )


def latest_report(order: ServiceOrder) -> Attachment | None:
    """The newest report version in force."""
    return next((a for a in report_versions(order) if a.withdrawn_at is None), None)


def register() -> None:
    """The files domain asks this module who may add to an order's report slot."""
    owners.PREFIX_OWNERS[PREFIX] = line_owner


KIND_WORDS = {
    "consulting": ("项目咨询", "Consulting"),
    "supervision": ("项目监理", "Supervision"),
    "cost_audit": ("工程审价", "Cost audit"),
    "performance": ("第三方绩效评价", "Performance evaluation"),
}


def slot_labels(slots: Iterable[str]) -> dict[str, dict[str, str]]:
    """Labels of order report slots among a project's slots ("工程审价成果报告 · 机构名称"), one query."""
    from ..orgs.models import Organisation

    wanted = {slot: oid for slot in slots if (oid := order_of_slot(slot)) is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(ServiceOrder.id, ServiceOrder.kind, Organisation.name)
        .join(Organisation, Organisation.id == ServiceOrder.agency_id)
        .where(ServiceOrder.id.in_(set(wanted.values())))
    ).all()
    found = {i: (kind, name) for i, kind, name in rows}
    out = {}
    for slot, oid in wanted.items():
        if oid in found:
            kind, agency = found[oid]
            zh, en = KIND_WORDS.get(kind, (kind, kind))
            out[slot] = {"zh_CN": f"{zh}成果报告 · {agency}", "en": f"{en} report · {agency}"}
    return out
