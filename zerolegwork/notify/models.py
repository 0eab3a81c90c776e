"""In-app notifications (the bell); e-mail comes with the inbox issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Notification(db.Model):
    """A message for the members of an organisation, optionally about a human task."""

    __table_args__ = (Index("ix_notification_org_unread", "org_code", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    human_task_id: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
