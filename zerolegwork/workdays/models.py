"""Days that differ from the Monday-to-Friday rule: public holidays and adjusted working days (调休)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a weekday that does not count
    WORKDAY = "workday"  # a weekend day that counts (调休)


class CalendarDay(db.Model):
    """One exception to the weekday rule, kept by an administrator."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
