"""Background jobs that exhausted their retries, as incidents (issue 14 item 5): listed, retried by an analyst.

A job (a notification, an e-mail, a PDF batch chunk, a migration chunk …) that failed MAX_ATTEMPTS times
stays in the outbox as `failed`. The incidents page lists each with its job, data, attempts and last
error; retrying gives it a fresh set of attempts (audited `job.retry`) and sends it once the request
commits. Nothing else changes a failed job.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..audit import services as audit
from ..engine.errors import TaskNotFoundError, TaskNotReadyError
from ..extensions import db
from ..jobs import requeue
from ..jobs.models import OutboxJob, OutboxState

SHOWN = 50


def failed_jobs(limit: int = SHOWN) -> tuple[list[OutboxJob], int]:
    """The newest failed jobs (at most `limit`) and how many there are."""
    where = OutboxJob.state == OutboxState.FAILED
    rows = db.session.scalars(select(OutboxJob).where(where).order_by(OutboxJob.id.desc()).limit(limit))
    total = db.session.scalar(select(func.count()).select_from(OutboxJob).where(where)) or 0
    return list(rows), int(total)


def retry_job(outbox_id: int, actor_id: int | None) -> OutboxJob:
    """Give a failed job another set of attempts (flush only); TaskNotReadyError unless it failed for good."""
    row = db.session.scalars(select(OutboxJob).where(OutboxJob.id == outbox_id).with_for_update()).first()
    if row is None:
        raise TaskNotFoundError(str(outbox_id))
    if row.state != OutboxState.FAILED:
        raise TaskNotReadyError(row.state)
    audit.record("job.retry", "outbox_job", row.id, actor_id, job=row.job, attempts=row.attempts, error=row.last_error)
    requeue(row)
    db.session.flush()
    return row
