"""The outbox table: a job written in the same transaction as the change it follows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DONE = "done"
    FAILED = "failed"


class OutboxJob(db.Model):
    """A job waiting to run (or that ran): written in the same transaction as the change."""

    __tablename__ = "outbox_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    relay_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
