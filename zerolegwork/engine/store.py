"""Rows of process_instance and human_task on the hot path, read and written with Core statements.

The ORM's unit of work costs more than the engine cycle itself (bench/RESULTS.md), so a
completion reads the locked instance as a plain snapshot and writes it back with one UPDATE
that checks the version column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from ..db import utcnow
from ..extensions import db
from .errors import ConcurrentUpdateError
from .models import HumanTask, HumanTaskState, InstanceState, ProcessInstance

PI = ProcessInstance.__table__
HT = HumanTask.__table__


@dataclass
class InstanceRow:
    """A snapshot of one process_instance row, taken under its lock."""

    id: int
    definition_id: int
    spec_hash: str
    process_id: str
    status: str
    version: int
    state: str
    project_id: int | None
    incident: str | None
    next_timer_at: datetime | None


_COLUMNS = [PI.c[name] for name in InstanceRow.__dataclass_fields__]


def lock_instance(instance_id: int | Any, skip_locked: bool = False) -> InstanceRow | None:
    """SELECT … FOR UPDATE one instance (`instance_id` may be a scalar subquery); None if absent or skipped."""
    row = db.session.execute(
        select(*_COLUMNS).where(PI.c.id == instance_id).with_for_update(skip_locked=skip_locked)
    ).first()
    return InstanceRow(*row) if row is not None else None


def lock_instance_of_task(human_task_id: int) -> InstanceRow | None:
    """Lock the instance that owns a human task."""
    return lock_instance(select(HT.c.instance_id).where(HT.c.id == human_task_id).scalar_subquery())


def read_task(human_task_id: int) -> Any:
    """Read one human_task row (after the instance lock, so it is current)."""
    return db.session.execute(select(HT).where(HT.c.id == human_task_id)).first()


def insert_instance(**values: Any) -> int:
    """Insert a process_instance row; return its id."""
    now = utcnow()
    values.setdefault("created_at", now)
    values.setdefault("updated_at", now)
    values.setdefault("version", 1)
    values.setdefault("status", InstanceState.RUNNING)
    return int(db.session.execute(insert(PI).returning(PI.c.id), [values]).scalar_one())


def write_instance(row: InstanceRow, **values: Any) -> None:
    """UPDATE the instance if nobody else did since it was read; else ConcurrentUpdateError."""
    result = db.session.execute(
        update(PI)
        .where(PI.c.id == row.id, PI.c.version == row.version)
        .values(version=row.version + 1, updated_at=utcnow(), **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdateError(str(row.id))
    row.version += 1


def complete_task_row(human_task_id: int, actor_id: int) -> None:
    """Mark a human task completed by `actor_id`."""
    db.session.execute(
        update(HT)
        .where(HT.c.id == human_task_id)
        .values(state=HumanTaskState.COMPLETED, completed_by_id=actor_id, completed_at=utcnow())
    )


def cancel_tasks(instance_id: int, guids: set[str]) -> None:
    """Mark the human tasks the engine cancelled."""
    db.session.execute(
        update(HT)
        .where(HT.c.instance_id == instance_id, HT.c.task_guid.in_(guids), HT.c.state == HumanTaskState.READY)
        .values(state=HumanTaskState.CANCELLED, completed_at=utcnow())
    )


def insert_tasks(rows: list[dict[str, Any]]) -> list[int]:
    """Insert new ready human tasks in one statement; return their ids in order."""
    if not rows:
        return []
    now = utcnow()
    for r in rows:
        r.setdefault("created_at", now)
        r.setdefault("state", HumanTaskState.READY)
    result = db.session.execute(insert(HT).returning(HT.c.id, sort_by_parameter_order=True), rows)
    return [int(i) for i in result.scalars()]
