"""Deployed process definitions, running instances and the index of waiting human tasks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class InstanceState(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INCIDENT = "incident"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"  # held by an analyst (流程管理): its tasks leave the inbox until it is resumed


class HumanTaskState(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    SUSPENDED = "suspended"  # its instance is suspended; ready again on resume


class ProcessDefinition(db.Model):  # type: ignore[name-defined]
    """One deployed version of a process: its diagrams and forms, stored once per content hash."""

    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # {"bpmn": {file name: XML}, "dmn": {...}, "forms": {form key: form JSON}}
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # who deployed it (None: from the command line) and the change note given then
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)


class ProcessInstance(db.Model):  # type: ignore[name-defined]
    """A running or finished process; its engine state is stored without the spec."""

    __table_args__ = (Index("ix_process_instance_timer", "status", "next_timer_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    spec_hash: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=InstanceState.RUNNING)
    version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(10))
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    incident: Mapped[str | None] = mapped_column(Text)
    # every flow node a task of this instance completed at least once, "process_id element_id" per
    # line, sorted; kept as loops are pruned from the state (impact analysis reads it). NULL: not
    # recorded yet (an instance last saved before migration 0009).
    visited: Mapped[str | None] = mapped_column(Text)
    project_id: Mapped[int | None] = mapped_column(index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    definition: Mapped[ProcessDefinition] = relationship()

    __mapper_args__ = {"version_id_col": version}


class InstanceArchive(db.Model):  # type: ignore[name-defined]
    """A called process that finished, moved out of its instance's live state (written once, read by pages).

    `task_guid` is the calling task's id in the instance; `state` the sub-workflow as the serializer
    writes it (tasks with their data deltas), so a page can still show where that process went.
    """

    __table_args__ = (UniqueConstraint("instance_id", "task_guid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    process_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HumanTask(db.Model):  # type: ignore[name-defined]
    """A user task that is (or was) waiting for a person; the inbox reads only this table."""

    __table_args__ = (
        UniqueConstraint("instance_id", "task_guid"),
        Index("ix_human_task_inbox", "org_code", "state", "created_at"),
        # "done by me" on every inbox page, and the ready tasks at a post answered from the index alone
        # (measured in bench/inbox.py: first page of a 5,000-task inbox over 1M rows, 172 ms -> 10 ms p95)
        Index("ix_human_task_completed_by", "completed_by_id"),
        # the project scope asks "was this project routed to this department?" for every project row
        Index("ix_human_task_project_org", "project_id", "org_code"),
        Index(
            "ix_human_task_ready_post",
            "org_code",
            "post_id",
            "created_at",
            postgresql_include=["claimed_by_id", "due_at"],
            postgresql_where=text("state = 'ready'"),
        ),
        # a large multi-instance's items still open: counted on every item's completion (engine/items.py)
        Index(
            "ix_human_task_items",
            "instance_id",
            "item_of",
            "state",
            postgresql_where=text("item_of IS NOT NULL"),
            sqlite_where=text("item_of IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str] = mapped_column(String(100))
    lane: Mapped[str] = mapped_column(String(100))
    org_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default=HumanTaskState.READY)
    # inside a department: the approval mode, the chain of posts (snapshot at creation), where it is now
    mode: Mapped[str | None] = mapped_column(String(20))
    chain: Mapped[list[int]] = mapped_column(JSON, default=list)
    chain_pos: Mapped[int] = mapped_column(default=0)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(index=True)
    # a reviewer may claim a ready task so colleagues at the same post see it is taken
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the statutory time limit (working days, the holiday calendar decides which days count)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set once by the sweep: when people were told the task nears its limit, and when it went up a level
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # one item of a large multi-instance kept outside the engine's task tree (engine/items.py): the
    # multi-instance task's id in the engine state and the item's position in its collection
    item_of: Mapped[str | None] = mapped_column(String(36))
    item_index: Mapped[int | None]

    instance: Mapped[ProcessInstance] = relationship()


class TaskStep(db.Model):  # type: ignore[name-defined]
    """One level's opinion on a human task that passes through a department's chain of posts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), index=True)
    position: Mapped[int]
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstanceItem(db.Model):  # type: ignore[name-defined]
    """The answers of one completed item of a large multi-instance (engine/items.py), read once at its join."""

    __table_args__ = (UniqueConstraint("instance_id", "mi_guid", "item_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    mi_guid: Mapped[str] = mapped_column(String(36))
    item_index: Mapped[int]
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
