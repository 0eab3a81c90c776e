"""Notifications: in-app (the bell), e-mail through the worker, and what each user wants of them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Notification(db.Model):
    """A message for the members of an organisation, optionally about a human task; read state is per person."""

    # the bell counts an organisation's notifications newer than what the person has seen
    __table_args__ = (Index("ix_notification_org_id", "org_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    human_task_id: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotifyEvent(StrEnum):
    TASK_READY = "task_ready"  # a task arrives
    TASK_RETURNED = "task_returned"  # a matter comes back (退回)
    NEAR_LIMIT = "near_limit"  # a waiting task nears its statutory limit
    ESCALATED = "escalated"  # an overdue task went up to the post above


class NotificationPreference(db.Model):
    """Whether a user wants an event in the bell and by e-mail (absent row: bell yes, e-mail no)."""

    __table_args__ = (UniqueConstraint("user_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)


class MailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    KEPT = "kept"  # no SMTP server configured: kept for the record, not sent


class OutgoingMail(db.Model):
    """One e-mail to one person; written with the change that caused it, sent by the worker once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(30))
    human_task_id: Mapped[int | None]
    state: Mapped[str] = mapped_column(String(10), default=MailState.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
