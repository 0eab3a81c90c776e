"""The exchange log: one message per change pushed to the finance system, and every attempt to send it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class MessageState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a sender; back to pending if the sender vanished
    DELIVERED = "delivered"  # the endpoint answered 2xx: never sent again
    FAILED = "failed"  # out of attempts: waits for an analyst's replay


class Topic(StrEnum):
    PROJECT_STATUS = "project.status"
    BUDGET_ARRANGED = "budget.arranged"
    PAYMENT_ENTERED = "payment.entered"


class ExchangeMessage(db.Model):
    """One outbound message; `key` is its Idempotency-Key, the same on every attempt."""

    __tablename__ = "exchange_message"
    __table_args__ = (Index("ix_exchange_message_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=MessageState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeAttempt(db.Model):
    """One request to the endpoint and what came back (status and body, or the connection error)."""

    __tablename__ = "exchange_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("exchange_message.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    url: Mapped[str] = mapped_column(String(500))
    request_body: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column()
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)
