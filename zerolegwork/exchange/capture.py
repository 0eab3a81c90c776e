"""Changes the finance system hears about, written as messages in the transaction that made them.

A session listener notes, at every flush, the new payments and budget arrangements and the projects whose
state, stage or 管理状态 changed; just before the commit each becomes one ExchangeMessage (a project's
several changes in one transaction make one message with its final status). A rolled-back change leaves
nothing. Nothing is recorded unless ZLW_FINANCE_PUSH_URL is set.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..api.models import BudgetArrangement
from ..db import utcnow
from ..funds.models import Payment
from ..projects.models import Project
from .models import ExchangeMessage, Topic

WATCHED = ("state", "stage", "management_status")
SEEN = "exchange_seen"


def enabled() -> bool:
    """Whether this installation pushes to a finance endpoint."""
    return has_app_context() and bool(current_app.config["ZLW"].finance_push_url)


@event.listens_for(Session, "after_flush")
def note_changes(session: Session, _context: Any) -> None:
    if not enabled():
        return
    seen: dict[tuple[str, int], None] = session.info.setdefault(SEEN, {})
    for obj in session.new:
        if isinstance(obj, Payment):
            seen[(Topic.PAYMENT_ENTERED, obj.id)] = None
        elif isinstance(obj, BudgetArrangement):
            seen[(Topic.BUDGET_ARRANGED, obj.id)] = None
        elif isinstance(obj, Project):
            seen[(Topic.PROJECT_STATUS, obj.id)] = None
    for obj in session.dirty:
        if isinstance(obj, Project) and _status_changed(obj):
            seen[(Topic.PROJECT_STATUS, obj.id)] = None


@event.listens_for(Session, "before_commit")
def write_messages(session: Session) -> None:
    if not enabled():
        return
    session.flush()  # the commit's own flush comes after this event: note its changes first
    seen = session.info.pop(SEEN, None)
    if not seen:
        return
    for topic, row_id in seen:
        made = _message(session, topic, row_id)
        if made is not None:
            session.add(made)
    session.flush()


@event.listens_for(Session, "after_rollback")
def forget_changes(session: Session) -> None:
    session.info.pop(SEEN, None)


def _status_changed(project: Project) -> bool:
    state = inspect(project)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def _message(session: Session, topic: str, row_id: int) -> ExchangeMessage | None:
    """The message for one noted change, or None when its row is gone (a rolled-back savepoint)."""
    if topic == Topic.PAYMENT_ENTERED:
        payment = session.get(Payment, row_id)
        if payment is None:
            return None
        project = session.get(Project, payment.project_id)
        data = payment_data(payment)
    elif topic == Topic.BUDGET_ARRANGED:
        arrangement = session.get(BudgetArrangement, row_id)
        if arrangement is None:
            return None
        project = session.get(Project, arrangement.project_id)
        data = arrangement_data(arrangement)
    else:
        project = session.get(Project, row_id)
        data = {}
    if project is None:
        return None
    key = str(uuid.uuid4())
    payload = {
        "id": key,
        "topic": str(topic),
        "occurred_at": utcnow().isoformat(),
        "project": project_data(project),
        "data": data,
    }
    return ExchangeMessage(key=key, topic=str(topic), project_id=project.id, payload=payload)


def project_data(project: Project) -> dict[str, Any]:
    """What the finance system keeps of a project: its code and where it stands."""
    return {
        "code": project.code,
        "name": project.name,
        "state": project.state,
        "stage": project.stage,
        "management_status": project.management_status,
        "level": project.level,
        "planned_investment": format(project.planned_investment, "f"),
    }


def arrangement_data(row: BudgetArrangement) -> dict[str, Any]:
    """A budget arrangement in 万元 (a decimal string, never a float)."""
    return {
        "year": row.year,
        "amount": format(row.amount, "f"),
        "source": row.source,
        "document_no": row.document_no,
        "arranged_on": row.arranged_on.isoformat(),
    }


def payment_data(row: Payment) -> dict[str, Any]:
    """A payment or reversal in 万元; `reverses` names the payment a reversal undoes."""
    return {
        "payment_id": row.id,
        "kind": row.kind,
        "paid_on": row.paid_on.isoformat(),
        "amount": format(row.amount, "f"),
        "payee": row.payee,
        "source": row.source,
        "contract_id": row.contract_id,
        "reverses": row.reverses_id,
        "entry": row.entry,
    }
