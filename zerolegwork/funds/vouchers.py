"""A payment's voucher (支付凭证): the evidence slot "pay<id>_voucher", whose line is the entering organisation's.

Vouchers are attachments of the project (files/), stored and served like any evidence; only the
organisation that entered the payment adds one, and withdrawing it flags the payment again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from ..files.models import Attachment
from ..orgs.models import User
from ..projects.models import Project
from .models import Payment

PREFIX = "pay"
SLOT_RE = re.compile(PREFIX + r"(\d{1,12})_voucher")


def slot_for(payment_id: int) -> str:
    """The evidence slot of a payment's voucher."""
    return f"{PREFIX}{payment_id}_voucher"


def payment_of_slot(slot: str) -> int | None:
    match = SLOT_RE.fullmatch(slot)
    return int(match.group(1)) if match else None


def line_owner(user: User, project: Project, slot: str) -> int | None:
    """The entering organisation's line, for its own people only; None for everyone else (refused)."""
    payment_id = payment_of_slot(slot)
    if payment_id is None:
        return None
    org_id = db.session.scalar(select(Payment.org_id).where(Payment.id == payment_id, Payment.project_id == project.id))
    return org_id if org_id is not None and org_id == user.org_id else None


def withdrawn(attachment: Attachment) -> None:
    """A voucher was withdrawn: the payment is flagged again (its project's ledger is checked)."""
    from .reconcile import refresh

    if payment_of_slot(attachment.slot) is not None:
        project = db.session.get(Project, attachment.project_id)
        if project is not None:
            refresh(project)


def slot_labels(slots: Iterable[str]) -> dict[str, dict[str, str]]:
    """Labels of voucher slots among a project's attachment slots ("支付凭证 · 2026-03-02 收款人"), one query."""
    wanted = {slot: pid for slot in slots if (pid := payment_of_slot(slot)) is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Payment.id, Payment.paid_on, Payment.payee).where(Payment.id.in_(set(wanted.values())))
    ).all()
    found = {i: (d, p) for i, d, p in rows}
    out = {}
    for slot, pid in wanted.items():
        if pid in found:
            day, payee = found[pid]
            out[slot] = {
                "zh_CN": f"支付凭证 · {day.isoformat()} {payee}",
                "en": f"Payment voucher · {day.isoformat()} {payee}",
            }
    return out
