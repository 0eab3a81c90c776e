"""The outbox: enqueue() writes a row in the caller's transaction; a relay hands rows to rq.

Without ZLW_REDIS_URL the same rows run in this process right after the commit that wrote
them. Jobs are idempotent: a row already done is never run again, and a job's effects and
its row's `done` state commit together.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..extensions import db
from .models import OutboxJob as OutboxJob
from .models import OutboxState as OutboxState

log = logging.getLogger(__name__)

# job name -> "module:function"; a job takes ids (never objects) as keyword arguments.
JOBS: dict[str, str] = {
    "notify_tasks_ready": "zerolegwork.notify.services:notify_tasks_ready",
    "exchange_deliver": "zerolegwork.exchange.sender:run_job",
    "migrate_batch": "zerolegwork.processes.migrations:run_batch",
    "probe": "zerolegwork.notify.services:probe",
    "report_batch": "zerolegwork.reports.batch.services:run_batch",
    "send_mail": "zerolegwork.notify.mail:send_mail",
}
MAX_ATTEMPTS = 5


def enqueue(job: str, queue: str = "default", **kwargs: Any) -> OutboxJob:
    """Add a job row to the current transaction; it runs after the transaction commits."""
    if job not in JOBS:
        raise KeyError(f"unknown job {job!r}")
    row = OutboxJob(job=job, kwargs=kwargs, queue=queue)
    db.session.add(row)
    db.session.info.setdefault("outbox_new", []).append(row)
    return row


def requeue(row: OutboxJob) -> None:
    """Give a job that failed for good another full set of attempts; it is sent after the transaction commits."""
    row.state = OutboxState.PENDING
    row.attempts = 0
    row.sent_at = None
    db.session.info.setdefault("outbox_new", []).append(row)


@event.listens_for(Session, "after_commit")
def _remember_committed(session: Session) -> None:
    new = session.info.pop("outbox_new", None)
    if new:
        session.info.setdefault("outbox_committed", []).extend(r.id for r in new if r.id is not None)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("outbox_new", None)


def dispatch_committed() -> int:
    """Relay (or, without Redis, run) the jobs committed by this session so far."""
    ids = db.session.info.pop("outbox_committed", [])
    if not ids:
        return 0
    if current_app.config["ZLW"].redis_url:
        return relay(ids)
    done = 0
    # a job may queue further jobs (a notification queues its e-mails): run those too, a few rounds deep
    for _round in range(3):
        for outbox_id in ids:
            try:
                execute(outbox_id)
            except Exception:  # noqa: S112 - logged and recorded on the row by execute(); run_pending_inline retries it
                continue
        done += len(ids)
        ids = db.session.info.pop("outbox_committed", [])
        if not ids:
            break
    return done


def _resolve(job: str) -> Callable[..., Any]:
    module, _, name = JOBS[job].partition(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn


def execute(outbox_id: int) -> bool:
    """Run one outbox job exactly once; return False when it was already done (or failed for good)."""
    row = db.session.scalars(
        select(OutboxJob).where(OutboxJob.id == outbox_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if row is None or row.state in (OutboxState.DONE, OutboxState.FAILED):
        db.session.rollback()
        return False
    job, kwargs = row.job, dict(row.kwargs)
    try:
        _resolve(job)(**kwargs)
        row.state = OutboxState.DONE
        row.done_at = utcnow()
        row.attempts += 1
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s (outbox %s) failed", job, outbox_id)
        _record_failure(outbox_id, exc)
        raise
    return True


def _record_failure(outbox_id: int, exc: Exception) -> None:
    row = db.session.get(OutboxJob, outbox_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.state = OutboxState.FAILED
    db.session.commit()


def queue_name(queue: str) -> str:
    """Return the rq queue name for a concern, with this installation's prefix."""
    return f"{current_app.config['ZLW'].queue_prefix}-{queue}"


def redis_connection(blocking: bool = False) -> Any:
    """Return a Redis client for ZLW_REDIS_URL; short timeouts unless it serves a blocking worker."""
    from redis import Redis

    url = current_app.config["ZLW"].redis_url
    if blocking:
        return Redis.from_url(url, socket_connect_timeout=5)
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)


def relay(ids: list[int] | None = None, limit: int = 500) -> int:
    """Push pending rows (and rows sent long ago but not done) to rq; return how many were sent."""
    from redis.exceptions import RedisError
    from rq import Queue, Retry

    cfg = current_app.config["ZLW"]
    stale_before = utcnow() - timedelta(seconds=cfg.job_stale_seconds)
    stmt = select(OutboxJob).order_by(OutboxJob.id).limit(limit).with_for_update(skip_locked=True)
    if ids is not None:
        stmt = stmt.where(OutboxJob.id.in_(ids), OutboxJob.state == OutboxState.PENDING)
    else:
        stmt = stmt.where(
            or_(
                OutboxJob.state == OutboxState.PENDING,
                (OutboxJob.state == OutboxState.SENT) & (OutboxJob.sent_at < stale_before),
            )
        )
    rows = list(db.session.scalars(stmt))
    if not rows:
        db.session.rollback()
        return 0
    conn = redis_connection()
    sent = 0
    try:
        for row in rows:
            q = Queue(queue_name(row.queue), connection=conn)
            q.enqueue(
                "worker.tasks.run_outbox_job",
                row.id,
                job_id=f"{cfg.queue_prefix}-outbox-{row.id}-{row.relay_count + 1}",
                retry=Retry(max=3, interval=[2, 10, 60]),
                job_timeout=600,
            )
            row.state = OutboxState.SENT
            row.sent_at = utcnow()
            row.relay_count += 1
            sent += 1
    except RedisError as exc:
        log.warning("Redis unavailable, %d jobs stay in the outbox: %s", len(rows) - sent, exc)
    db.session.commit()
    return sent


def run_pending_inline(limit: int = 500) -> int:
    """Without Redis: run pending rows (left by a crash or a failure) in this process."""
    ids = list(
        db.session.scalars(
            select(OutboxJob.id).where(OutboxJob.state == OutboxState.PENDING).order_by(OutboxJob.id).limit(limit)
        )
    )
    db.session.rollback()
    done = 0
    for outbox_id in ids:
        try:
            done += execute(outbox_id)
        except Exception:  # noqa: S112 - logged and recorded on the row by execute(); retried next sweep
            continue
    return done
