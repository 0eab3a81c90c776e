"""A migration of running instances to another version, run as a batch job with its progress (流程管理)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class BatchState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class MigrationBatch(db.Model):  # type: ignore[name-defined]
    """Move these instances to the target version (or, as a dry run, say which would move)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100))
    target_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    dry_run: Mapped[bool] = mapped_column(default=False)
    instance_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default=BatchState.QUEUED)
    # one {"instance_id", "project_id", "from_version", "moved", "reasons"} per instance handled so far
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    moved: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def total(self) -> int:
        return len(self.instance_ids)

    @property
    def done(self) -> int:
        return len(self.outcomes)


class DraftState(StrEnum):
    DRAFT = "draft"
    DEPLOYED = "deployed"
    DISCARDED = "discarded"


class ProcessDraft(db.Model):  # type: ignore[name-defined]
    """A draft kept by the web modeler: the changed files of one process, laid over the live ones when checked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    # {file name: text}, only the files the analyst changed (.bpmn, .dmn, form .json)
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    base_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))  # the version it was opened from
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    state: Mapped[str] = mapped_column(String(20), default=DraftState.DRAFT)
    deployed_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
