"""The inbox's own table: countersign invitations (会签). Tasks themselves are the engine's HumanTask index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db

# at most this many posts are asked to countersign one step at once
MAX_INVITES = 10


class Countersign(db.Model):
    """One post asked to countersign one step of a task, and its answer once given."""

    id: Mapped[int] = mapped_column(primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), index=True)
    chain_pos: Mapped[int] = mapped_column(default=0)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # open | signed | withdrawn
    state: Mapped[str] = mapped_column(String(12), default="open", index=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TaskDraft(db.Model):
    """What one user has typed into a task's form and not yet submitted (kept on the server, per user and task)."""

    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    # the form's fields as typed: {input name: text}, table cells under "<field>-<row>-<column>"
    values: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
