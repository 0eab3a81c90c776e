"""The exchange log (交换日志): every message pushed to the finance system, its attempts, and replay."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..audit import services as audit
from ..extensions import db
from ..http import page_arg
from ..projects.models import Project
from . import sender
from .errors import MessageNotFailedError, MessageNotFoundError
from .models import ExchangeAttempt, ExchangeMessage, MessageState, Topic

bp = Blueprint("exchange", __name__, url_prefix="/exchange", template_folder="templates")
PER_PAGE = 50
STATE_LABELS = {
    MessageState.PENDING: _l("Waiting"),
    MessageState.SENDING: _l("Sending"),
    MessageState.DELIVERED: _l("Delivered"),
    MessageState.FAILED: _l("Failed"),
}
TOPIC_LABELS = {
    Topic.PROJECT_STATUS: _l("Project status"),
    Topic.BUDGET_ARRANGED: _l("Budget arrangement"),
    Topic.PAYMENT_ENTERED: _l("Payment"),
}


def _register(_state: Any) -> None:
    audit.ACTIONS["exchange.replay"] = _l("Exchange message sent again")


bp.record_once(_register)


@bp.app_template_global("exchange_state_label")
def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))  # type: ignore[call-overload]


@bp.app_template_global("exchange_topic_label")
def topic_label(topic: str) -> str:
    return str(TOPIC_LABELS.get(topic, topic))  # type: ignore[call-overload]


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    state = request.args.get("state", "")
    topic = request.args.get("topic", "")
    q = request.args.get("q", "").strip()[:100]
    stmt = select(ExchangeMessage, Project).join(Project, Project.id == ExchangeMessage.project_id)
    if state in STATE_LABELS:
        stmt = stmt.where(ExchangeMessage.state == state)
    if topic in TOPIC_LABELS:
        stmt = stmt.where(ExchangeMessage.topic == topic)
    if q:
        stmt = stmt.where((Project.code == q) | Project.name.contains(q, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = page_arg()
    rows = db.session.execute(stmt.order_by(ExchangeMessage.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    counts = dict(db.session.execute(select(ExchangeMessage.state, func.count()).group_by(ExchangeMessage.state)).all())
    args = {k: v for k, v in (("state", state), ("topic", topic), ("q", q)) if v}
    return render_template(
        "exchange/index.html",
        rows=list(rows),
        total=total,
        page=page,
        per_page=PER_PAGE,
        args=args,
        counts=counts,
        states=STATE_LABELS,
        topics=TOPIC_LABELS,
        query={"state": state, "topic": topic, "q": q},
    )


@bp.get("/<int:message_id>")
@login_required
def message(message_id: int):  # type: ignore[no-untyped-def]
    found = db.session.get(ExchangeMessage, message_id) if message_id < 2**31 else None
    if found is None:
        abort(404)
    attempts = db.session.scalars(
        select(ExchangeAttempt).where(ExchangeAttempt.message_id == found.id).order_by(ExchangeAttempt.id.desc())
    )
    project = db.session.get(Project, found.project_id) if found.project_id else None
    payload_text = json.dumps(found.payload, ensure_ascii=False, indent=2, sort_keys=True)
    return render_template(
        "exchange/message.html", m=found, project=project, attempts=list(attempts), payload_text=payload_text
    )


@bp.post("/<int:message_id>/replay")
@login_required
def replay(message_id: int):  # type: ignore[no-untyped-def]
    try:
        sender.replay(message_id, current_user.id)
    except MessageNotFoundError:
        db.session.rollback()
        abort(404)
    except MessageNotFailedError as exc:
        db.session.rollback()
        flash(
            _(
                "Only a message that failed for good can be sent again; this one is %(state)s.",
                state=state_label(exc.state),
            ),
            "warning",
        )
        return redirect(url_for("exchange.message", message_id=message_id))
    sender.schedule()
    db.session.commit()
    flash(_("The message will be sent again in a moment."), "success")
    return redirect(url_for("exchange.message", message_id=message_id))
