"""Deliver the exchange log's messages to the finance endpoint: in order per project, never twice.

A message is claimed (pending → sending, one UPDATE that only one sender can win) and committed before the
request, so two senders never send it at once; the answer is committed with its attempt. A 2xx answer
delivers it for good. Anything else (a refused connection, a timeout, a 5xx, a 4xx) keeps it with its
attempt logged and its next attempt pushed back (30 s, doubling, at most an hour) until MAX_ATTEMPTS, then
it waits as failed for replay(). A project's later message waits while an earlier one is undelivered, so
the finance system sees a project's changes in the order they happened. A sender that died mid-request
leaves a claim that returns to pending after STALE; the endpoint may then see the same Idempotency-Key
twice, which is what the key is for.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from .. import jobs
from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..jobs.models import OutboxJob, OutboxState
from .errors import MessageNotFailedError, MessageNotFoundError
from .models import ExchangeAttempt, ExchangeMessage, MessageState

MAX_ATTEMPTS = 12
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)
STALE = timedelta(minutes=10)
KEPT_BODY = 4000
BATCH = 100


def delay_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s … at most an hour."""
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), LONGEST_DELAY)


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Send the messages whose attempt is due (commits per message); return how many were delivered."""
    now = now or utcnow()
    _release_stale(now)
    due = list(
        db.session.scalars(
            select(ExchangeMessage)
            .where(ExchangeMessage.state == MessageState.PENDING, ExchangeMessage.next_attempt_at <= now)
            .order_by(ExchangeMessage.id)
            .limit(limit)
        )
    )
    earlier = _undelivered_before(due)
    db.session.commit()
    delivered: set[int] = set()
    for message in due:
        before = {i for i in earlier.get(message.project_id or 0, ()) if i < message.id}
        if not before <= delivered:
            continue  # an earlier message of the project is still on its way
        if _claim(message.id, now) and _send(message.id):
            delivered.add(message.id)
    return len(delivered)


def replay(message_id: int, actor_id: int | None) -> ExchangeMessage:
    """Give a failed message a fresh set of attempts, due now (flush only)."""
    message = db.session.scalars(
        select(ExchangeMessage).where(ExchangeMessage.id == message_id).with_for_update()
    ).first()
    if message is None:
        raise MessageNotFoundError(str(message_id))
    if message.state != MessageState.FAILED:
        raise MessageNotFailedError(message.state)
    audit.record(
        "exchange.replay", "exchange_message", message.id, actor_id, topic=message.topic, attempts=message.attempts
    )
    message.state = MessageState.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()
    return message


def schedule() -> bool:
    """Queue one delivery job when messages are due and none is queued (the timer sweep calls this)."""
    due = db.session.scalar(
        select(ExchangeMessage.id)
        .where(ExchangeMessage.state == MessageState.PENDING, ExchangeMessage.next_attempt_at <= utcnow())
        .limit(1)
    )
    if due is None:
        return False
    queued = db.session.scalar(
        select(OutboxJob.id)
        .where(OutboxJob.job == "exchange_deliver", OutboxJob.state.in_((OutboxState.PENDING, OutboxState.SENT)))
        .limit(1)
    )
    if queued is not None:
        return False
    jobs.enqueue("exchange_deliver")
    return True


def run_job() -> None:
    """The outbox job: deliver what is due now."""
    deliver_due()


def _release_stale(now: datetime) -> None:
    db.session.execute(
        update(ExchangeMessage)
        .where(ExchangeMessage.state == MessageState.SENDING, ExchangeMessage.claimed_at < now - STALE)
        .values(state=MessageState.PENDING)
    )


def _undelivered_before(due: list[ExchangeMessage]) -> dict[int, set[int]]:
    """For each project among `due`: the ids of its undelivered messages older than its newest due one."""
    projects = {m.project_id for m in due if m.project_id is not None}
    if not projects:
        return {}
    rows = db.session.execute(
        select(ExchangeMessage.project_id, ExchangeMessage.id).where(
            ExchangeMessage.project_id.in_(projects),
            ExchangeMessage.state != MessageState.DELIVERED,
            ExchangeMessage.id < max(m.id for m in due),
        )
    )
    earlier: dict[int, set[int]] = {}
    for project_id, message_id in rows:
        earlier.setdefault(project_id, set()).add(message_id)
    return earlier


def _claim(message_id: int, now: datetime) -> bool:
    won = db.session.execute(
        update(ExchangeMessage)
        .where(ExchangeMessage.id == message_id, ExchangeMessage.state == MessageState.PENDING)
        .values(state=MessageState.SENDING, claimed_at=now)
    ).rowcount
    db.session.commit()
    return bool(won)


def _send(message_id: int) -> bool:
    """One request for a claimed message; its attempt and new state committed. True when delivered."""
    cfg = current_app.config["ZLW"]
    message = db.session.get(ExchangeMessage, message_id)
    assert message is not None
    body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True)
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.key}
    if cfg.finance_push_token:
        headers["Authorization"] = f"Bearer {cfg.finance_push_token}"
    request = urllib.request.Request(cfg.finance_push_url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - http(s) only (config.check)
    status, answer, error = None, "", None
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=cfg.finance_push_timeout) as response:  # noqa: S310
            status, answer = response.status, response.read(KEPT_BODY).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, answer = exc.code, exc.read(KEPT_BODY).decode("utf-8", "replace")
        error = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, reset, timed out, unreachable, a malformed answer
        error = f"{type(exc).__name__}: {exc}"[:2000]
    elapsed = int((time.perf_counter() - started) * 1000)
    db.session.add(
        ExchangeAttempt(
            message_id=message.id,
            url=cfg.finance_push_url[:500],
            request_body=body,
            status_code=status,
            response_body=answer,
            error=error,
            duration_ms=elapsed,
        )
    )
    message.attempts += 1
    ok = status is not None and 200 <= status < 300
    if ok:
        message.state = MessageState.DELIVERED
        message.delivered_at = utcnow()
        message.last_error = None
    else:
        message.last_error = error
        message.state = MessageState.FAILED if message.attempts >= MAX_ATTEMPTS else MessageState.PENDING
        message.next_attempt_at = utcnow() + delay_after(message.attempts)
    db.session.commit()
    return ok
