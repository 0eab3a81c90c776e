"""Projects in the library (the minimal record the first approval slice needs)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation, Region


class ProjectState(StrEnum):
    DRAFT = "draft"
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    RETURNED = "returned"
    CLOSED = "closed"


class Project(db.Model):
    """A government investment project owned by a project unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    category: Mapped[str] = mapped_column(String(50))
    planned_investment: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    state: Mapped[str] = mapped_column(String(20), default=ProjectState.DRAFT)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Organisation] = relationship()
    region: Mapped[Region] = relationship(lazy="joined")


class ProjectShare(db.Model):
    """The city shares a project with a district, whose departments may then see it."""

    __table_args__ = (UniqueConstraint("project_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
