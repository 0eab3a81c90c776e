"""A batch of project report PDFs (many at once, in the worker) and the one row per project it rendered."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, utcnow
from ...extensions import db


class BatchState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportBatch(db.Model):
    """A request for the report PDFs of every project a list's filters matched, packed into one ZIP."""

    __tablename__ = "report_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # the requester's organisation: its colleagues see the same projects, so they may fetch the ZIP too
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # what each item is: "project" (the project report of projects.library) or "review" (the 评审报告 of a
    # review_library entry: then project_ids holds entry ids, and so does each item's project_id)
    kind: Mapped[str] = mapped_column(String(20), default="project", server_default="project")
    # the project list's filters as request arguments (projects.library.ProjectQuery.as_args)
    query: Mapped[str] = mapped_column(String(1000), default="")
    # the projects the requester could see at request time, in ZIP order: the batch renders these and no others
    project_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default=BatchState.QUEUED, index=True)
    total: Mapped[int] = mapped_column(default=0)
    done_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    # the outbox rows of this batch (plan, chunks, ZIP): a row failed for good fails the batch
    job_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    zip_queued: Mapped[bool] = mapped_column(default=False)
    # the finished ZIP in the file storage, by content
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportBatchItem(db.Model):
    """One project's PDF in a batch: stored by its sha256, or the reason it could not be made."""

    __tablename__ = "report_batch_item"
    __table_args__ = (UniqueConstraint("batch_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("report_batch.id"), index=True)
    project_id: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
