"""Migration batches: move the running instances of chosen versions to a target version as a batch job.

A batch lists its instances when it is asked for; each job (jobs.JOBS "migrate_batch") migrates one
chunk and queues the next in the same transaction, so the page's progress bar moves chunk by chunk and
a chunk whose job is run again (a worker killed mid-batch) is not migrated twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..engine.migrate import migrate_instances
from ..engine.models import InstanceState, ProcessDefinition, ProcessInstance
from ..extensions import db
from ..jobs import enqueue
from ..orgs.models import User
from .models import BatchState, MigrationBatch

CHUNK = 200
MAX_INSTANCES = 100_000


class BatchError(ValueError):
    """A migration that cannot be asked for (no version chosen, nothing running on it)."""


def request_batch(user: User, target: ProcessDefinition, source_ids: Iterable[int], dry_run: bool) -> MigrationBatch:
    """Queue a batch of every running instance of the chosen versions of the target's process."""
    sources = [
        d
        for d in db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.in_(list(source_ids))))
        if d.process_id == target.process_id and d.id != target.id
    ]
    if not sources:
        raise BatchError(_("Choose at least one other version of this process to move matters from."))
    ids = list(
        db.session.scalars(
            select(ProcessInstance.id)
            .where(
                ProcessInstance.definition_id.in_([d.id for d in sources]),
                ProcessInstance.status.in_([InstanceState.RUNNING, InstanceState.INCIDENT, InstanceState.SUSPENDED]),
            )
            .order_by(ProcessInstance.id)
            .limit(MAX_INSTANCES)
        )
    )
    if not ids:
        raise BatchError(_("No matter is running on the chosen versions."))
    batch = MigrationBatch(
        process_id=target.process_id,
        target_id=target.id,
        requested_by_id=user.id,
        dry_run=dry_run,
        instance_ids=ids,
        outcomes=[],
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "process.migration_requested",
        "migration_batch",
        batch.id,
        user.id,
        process=target.process_id,
        to_version=target.version,
        from_versions=sorted(d.version for d in sources),
        instances=len(ids),
        dry_run=dry_run,
    )
    enqueue("migrate_batch", batch_id=batch.id)
    return batch


def run_batch(batch_id: int, start: int = 0) -> None:
    """The job: migrate one chunk of the batch from `start` and queue the next; the outbox commits the
    chunk's moves, its outcomes and the next job together, so each chunk runs once."""
    batch = db.session.get(MigrationBatch, batch_id)
    if batch is None or batch.state == BatchState.DONE or batch.done != start:
        return  # gone, finished, or this chunk already committed
    batch.state = BatchState.RUNNING
    chunk = batch.instance_ids[start : start + CHUNK]
    outcomes = migrate_instances(chunk, batch.target_id, batch.requested_by_id, dry_run=batch.dry_run)
    batch.outcomes = [
        *batch.outcomes,
        *(
            {
                "instance_id": o.instance_id,
                "project_id": o.project_id,
                "from_version": o.from_version,
                "moved": o.moved,
                "reasons": [list(c) for c in o.codes],
            }
            for o in outcomes
        ),
    ]
    batch.moved += sum(o.moved for o in outcomes)
    batch.refused += sum(not o.moved for o in outcomes)
    if batch.done < batch.total:
        enqueue("migrate_batch", batch_id=batch.id, start=batch.done)
    else:
        batch.state = BatchState.DONE
        batch.finished_at = utcnow()


def get_batch(batch_id: int) -> MigrationBatch | None:
    return db.session.get(MigrationBatch, batch_id)


def recent_batches(process_id: str, limit: int = 10) -> list[MigrationBatch]:
    return list(
        db.session.scalars(
            select(MigrationBatch)
            .where(MigrationBatch.process_id == process_id)
            .order_by(MigrationBatch.id.desc())
            .limit(limit)
        )
    )
