"""Rows of process_instance and human_task on the hot path, read and written with Core statements.

The ORM's unit of work costs more than the engine cycle itself (bench/RESULTS.md), so a
completion reads the locked instance as a plain snapshot and writes it back with one UPDATE
that checks the version column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, update

from ..db import utcnow
from ..extensions import db
from ..orgs.models import PostMember, Substitution
from .errors import ConcurrentUpdateError
from .models import HumanTask, HumanTaskState, InstanceArchive, InstanceState, ProcessInstance, TaskStep

PI = ProcessInstance.__table__
HT = HumanTask.__table__
IA = InstanceArchive.__table__


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
    visited: str | None = None


_COLUMNS = [PI.c[name] for name in InstanceRow.__dataclass_fields__]


def _conn() -> Any:
    # The session's connection: same transaction, without the ORM's per-statement machinery.
    return db.session.connection()


# Statements are built once: building a Core statement costs more than SQLite running it.
_LOCK = select(*_COLUMNS).where(PI.c.id == bindparam("b_id")).with_for_update()
_LOCK_SKIP = select(*_COLUMNS).where(PI.c.id == bindparam("b_id")).with_for_update(skip_locked=True)
# One round trip for the lock and the task. Only the instance row is locked: on PostgreSQL a
# waiter re-reads the locked instance but may keep the task row it saw first, so the runtime
# also checks the task's state in the (current) engine state before completing it.
# ... and, in the same round trip, whether the user holds the task's current post, or whom they
# substitute for in it today (代理)
_HOLDS_POST = (
    exists().where(PostMember.post_id == HT.c.post_id, PostMember.user_id == bindparam("b_user")).label("holds_post")
)
_COVERS_FOR = (
    select(Substitution.user_id)
    .join(PostMember, PostMember.user_id == Substitution.user_id)
    .where(
        PostMember.post_id == HT.c.post_id,
        Substitution.substitute_id == bindparam("b_user"),
        Substitution.revoked_at.is_(None),
        Substitution.starts_on <= bindparam("b_on"),
        Substitution.ends_on >= bindparam("b_on"),
    )
    .order_by(Substitution.id)
    .limit(1)
    .scalar_subquery()
    .label("covers_for")
)
_LOCK_WITH_TASK = (
    select(*_COLUMNS, *[c.label(f"task_{c.name}") for c in HT.c], _HOLDS_POST, _COVERS_FOR)
    .join_from(HT, PI, PI.c.id == HT.c.instance_id)
    .where(HT.c.id == bindparam("b_task"))
    .with_for_update(of=PI)
)
_INSERT_INSTANCE = insert(PI).returning(PI.c.id)
_SAVE_INSTANCE = (
    update(PI)
    .where(PI.c.id == bindparam("b_id"), PI.c.version == bindparam("b_version"))
    .values(
        version=bindparam("b_next"),
        updated_at=bindparam("b_now"),
        state=bindparam("b_state"),
        serializer_version=bindparam("b_serializer"),
        status=bindparam("b_status"),
        next_timer_at=bindparam("b_timer"),
        visited=bindparam("b_visited"),
    )
)
_INCIDENT = (
    update(PI)
    .where(PI.c.id == bindparam("b_id"), PI.c.version == bindparam("b_version"))
    .values(
        version=bindparam("b_next"),
        updated_at=bindparam("b_now"),
        status=InstanceState.INCIDENT.value,
        incident=bindparam("b_reason"),
    )
)
_CANCEL_INSTANCE = (
    update(PI)
    .where(PI.c.id == bindparam("b_id"), PI.c.version == bindparam("b_version"))
    .values(
        version=bindparam("b_next"),
        updated_at=bindparam("b_now"),
        status=InstanceState.CANCELLED.value,
        next_timer_at=None,
    )
)
_CANCEL_ALL_TASKS = (
    update(HT)
    # a suspended instance's tasks wait as `suspended`, an incident's as `ready`: both leave every inbox
    .where(
        HT.c.instance_id == bindparam("b_id"),
        HT.c.state.in_([HumanTaskState.READY.value, HumanTaskState.SUSPENDED.value]),
    )
    .values(state=HumanTaskState.CANCELLED.value, completed_at=bindparam("b_now"))
)
_COMPLETE_TASK = (
    update(HT)
    .where(HT.c.id == bindparam("b_task"))
    .values(state=HumanTaskState.COMPLETED.value, completed_by_id=bindparam("b_actor"), completed_at=bindparam("b_now"))
)
_CANCEL_TASKS = (
    update(HT)
    .where(
        HT.c.instance_id == bindparam("b_id"),
        # a task the engine cancelled, or every open item of a large multi-instance it cancelled
        HT.c.task_guid.in_(bindparam("b_guids", expanding=True))
        | HT.c.item_of.in_(bindparam("b_guids", expanding=True)),
        HT.c.state == HumanTaskState.READY.value,
    )
    .values(state=HumanTaskState.CANCELLED.value, completed_at=bindparam("b_now"))
)

_INSERT_TASKS = insert(HT).returning(HT.c.id, sort_by_parameter_order=True)
TS = TaskStep.__table__
_INSERT_STEP = insert(TS)
_ADVANCE = (
    update(HT)
    .where(HT.c.id == bindparam("b_task"), HT.c.chain_pos == bindparam("b_pos"))
    .values(chain_pos=bindparam("b_next"), post_id=bindparam("b_post"))
)
_STEPS = (
    select(TS.c.position, TS.c.user_id, TS.c.on_behalf_of_id, TS.c.answers)
    .where(TS.c.human_task_id == bindparam("b_task"))
    .order_by(TS.c.position)
)


def lock_instance(instance_id: int, skip_locked: bool = False) -> InstanceRow | None:
    """SELECT … FOR UPDATE one instance; None if absent (or, with skip_locked, held by another)."""
    if not skip_locked:
        _take_write_lock()
    row = _conn().execute(_LOCK_SKIP if skip_locked else _LOCK, {"b_id": instance_id}).first()
    return InstanceRow(*row) if row is not None else None


@dataclass
class TaskRow:
    """The human_task columns the runtime needs, read together with the instance lock."""

    id: int
    instance_id: int
    task_guid: str
    bpmn_id: str
    form_key: str
    lane: str
    org_code: str
    state: str
    completed_by_id: int | None
    mode: str | None
    chain: list[int]
    chain_pos: int
    post_id: int | None
    project_id: int | None
    due_at: datetime | None
    item_of: str | None = None
    item_index: int | None = None


@dataclass
class Standing:
    """Where a user stands towards a task's current post."""

    holds_post: bool
    covers_for: int | None


def _take_write_lock() -> None:
    """On SQLite, begin the transaction as a writer before reading, as FOR UPDATE does on PostgreSQL.

    SQLite ignores FOR UPDATE, and its driver begins a transaction only at the first write: a
    completion would read the instance state, then find at its UPDATE that another department's
    completion had changed it (a conflict the user must not see). BEGIN IMMEDIATE waits (up to the
    busy timeout) for the other writer to commit, so what is read next is current. A transaction
    that has already written holds the write lock and needs nothing.
    """
    conn = _conn()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def lock_instance_with_task(human_task_id: int, user_id: int, on: date) -> tuple[InstanceRow, TaskRow, Standing] | None:
    """Lock the instance that owns a human task, read the task and the user's standing, in one statement."""
    _take_write_lock()
    row = _conn().execute(_LOCK_WITH_TASK, {"b_task": human_task_id, "b_user": user_id, "b_on": on}).first()
    if row is None:
        return None
    m = row._mapping
    instance = InstanceRow(*(m[name] for name in InstanceRow.__dataclass_fields__))
    task = TaskRow(*(m[f"task_{name}"] for name in TaskRow.__dataclass_fields__))
    return instance, task, Standing(bool(m["holds_post"]), m["covers_for"])


def insert_instance(**values: Any) -> int:
    """Insert a process_instance row; return its id."""
    now = utcnow()
    values.setdefault("created_at", now)
    values.setdefault("updated_at", now)
    values.setdefault("version", 1)
    values.setdefault("status", InstanceState.RUNNING)
    return int(_conn().execute(_INSERT_INSTANCE, [values]).scalar_one())


def _checked(row: InstanceRow, statement: Any, params: dict[str, Any]) -> None:
    params.update(b_id=row.id, b_version=row.version, b_next=row.version + 1, b_now=utcnow())
    if _conn().execute(statement, params).rowcount != 1:
        raise ConcurrentUpdateError(str(row.id))
    row.version += 1


def save_instance(
    row: InstanceRow, state: str, serializer: str, status: str, next_timer_at: datetime | None, visited: str
) -> None:
    """UPDATE the instance if nobody else did since it was read; else ConcurrentUpdateError."""
    _checked(
        row,
        _SAVE_INSTANCE,
        {
            "b_state": state,
            "b_serializer": serializer,
            "b_status": status,
            "b_timer": next_timer_at,
            "b_visited": visited,
        },
    )
    row.status = status
    row.visited = visited


_ARCHIVE = insert(IA)
_ARCHIVED = (
    select(IA.c.task_guid, IA.c.process_id, IA.c.state).where(IA.c.instance_id == bindparam("b_id")).order_by(IA.c.id)
)


def archive(instance_id: int, parts: list[tuple[str, str, str]]) -> None:
    """Keep called processes that left the live state: (calling task guid, process id, state JSON)."""
    if parts:
        now = utcnow()
        _conn().execute(
            _ARCHIVE,
            [
                {"instance_id": instance_id, "task_guid": g, "process_id": p, "state": s, "archived_at": now}
                for g, p, s in parts
            ],
        )


def archived(instance_id: int) -> list[tuple[str, str, str]]:
    """An instance's archived called processes: (calling task guid, process id, state JSON), oldest first."""
    return [(g, p, s) for g, p, s in _conn().execute(_ARCHIVED, {"b_id": instance_id})]


def mark_incident(row: InstanceRow, reason: str) -> None:
    """Set the instance's status to incident with the reason, keeping its state as it was."""
    _checked(row, _INCIDENT, {"b_reason": reason})
    row.status = InstanceState.INCIDENT


def complete_task_row(human_task_id: int, actor_id: int | None) -> None:
    """Mark a human task completed by `actor_id`."""
    _conn().execute(_COMPLETE_TASK, {"b_task": human_task_id, "b_actor": actor_id, "b_now": utcnow()})


def cancel_tasks(instance_id: int, guids: set[str]) -> None:
    """Mark the human tasks the engine cancelled."""
    _conn().execute(_CANCEL_TASKS, {"b_id": instance_id, "b_guids": sorted(guids), "b_now": utcnow()})


def insert_tasks(rows: list[dict[str, Any]]) -> list[int]:
    """Insert new ready human tasks in one statement; return their ids in order."""
    if not rows:
        return []
    now = utcnow()
    for r in rows:
        r.setdefault("created_at", now)
        r.setdefault("state", HumanTaskState.READY)
    return [int(i) for i in _conn().execute(_INSERT_TASKS, rows).scalars()]


def add_step(
    task: TaskRow, user_id: int, on_behalf_of_id: int | None, answers: dict[str, Any], to_position: int | None = None
) -> None:
    """Record one level's opinion and move the task to another post of its chain (default: the next)."""
    conn = _conn()
    conn.execute(
        _INSERT_STEP,
        [
            {
                "human_task_id": task.id,
                "position": task.chain_pos,
                "post_id": task.post_id,
                "user_id": user_id,
                "on_behalf_of_id": on_behalf_of_id,
                "answers": answers,
                "at": utcnow(),
            }
        ],
    )
    nxt = task.chain_pos + 1 if to_position is None else to_position
    if (
        conn.execute(
            _ADVANCE, {"b_task": task.id, "b_pos": task.chain_pos, "b_next": nxt, "b_post": task.chain[nxt]}
        ).rowcount
        != 1
    ):
        raise ConcurrentUpdateError(str(task.id))


def steps_of(human_task_id: int) -> list[dict[str, Any]]:
    """The opinions given at earlier levels of a task's chain, in order."""
    return [
        {"position": pos, "user_id": uid, "on_behalf_of_id": behalf, **answers}
        for pos, uid, behalf, answers in _conn().execute(_STEPS, {"b_task": human_task_id})
    ]


def cancel_instance(row: InstanceRow) -> int:
    """Stop an instance: status cancelled, its open human tasks (ready or suspended) cancelled, no timers.

    Returns how many human tasks were cancelled.
    """
    _checked(row, _CANCEL_INSTANCE, {})
    row.status = InstanceState.CANCELLED
    return int(_conn().execute(_CANCEL_ALL_TASKS, {"b_id": row.id, "b_now": utcnow()}).rowcount)


_SET_CHAIN = (
    update(HT)
    .where(HT.c.id == bindparam("b_task"), HT.c.chain_pos == bindparam("b_pos"))
    .values(chain=bindparam("b_chain"), post_id=bindparam("b_post"))
)


def set_chain(task: TaskRow, chain: list[int]) -> None:
    """Replace a task's chain (its current position stays); a concurrent move is a ConcurrentUpdateError."""
    post = chain[task.chain_pos] if chain else None
    params = {"b_task": task.id, "b_pos": task.chain_pos, "b_chain": chain, "b_post": post}
    if _conn().execute(_SET_CHAIN, params).rowcount != 1:
        raise ConcurrentUpdateError(str(task.id))


def post_belongs_to(post_id: int, org_code: str) -> bool:
    """Tell whether a post belongs to the organisation with this code."""
    from ..orgs.models import Organisation, Post

    found = (
        _conn()
        .execute(
            select(Post.id)
            .join(Organisation, Organisation.id == Post.org_id)
            .where(Post.id == post_id, Organisation.code == org_code)
        )
        .first()
    )
    return found is not None


_ESCALATE = (
    update(HT)
    .where(HT.c.id == bindparam("b_task"), HT.c.escalated_at.is_(None))
    .values(escalated_at=bindparam("b_now"), claimed_by_id=None, claimed_at=None)
)


def mark_escalated(human_task_id: int, now: datetime) -> bool:
    """Flag a task as gone up a level (its claim ends); False when it already was."""
    return bool(_conn().execute(_ESCALATE, {"b_task": human_task_id, "b_now": now}).rowcount == 1)
