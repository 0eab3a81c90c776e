"""Saved self-composed report definitions (报表定义): the owner's, or shared with colleagues of one organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, utcnow
from ...extensions import db


class ReportDefinition(db.Model):
    """A named definition (dimension ids, measure ids, filters); its numbers are computed each time it runs."""

    __tablename__ = "report_definition"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # the owner's organisation when saved: colleagues of it see the definition when it is shared
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # {"dims": [ids], "measures": [ids], "filters": {name: value}} as composer.Definition.to_json() writes it
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


__all__ = ["ReportDefinition"]
