"""The review library (项目评审库): one entry per reviewed project, and the budget lines arranged on entries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..calls.models import ProjectCall
from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation
from ..projects.models import Project
from ..reviews.models import ReviewCase


class LibraryEntry(db.Model):
    """A review's result as it entered the library at 结果运用, with the evidence digests of that moment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_call.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(30), index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    recommended_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    opinion: Mapped[str] = mapped_column(String(5000), default="")
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the dossier's manifest at entry ([{kind, name, sha256, size}]) and the digest of the whole list
    manifest: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[ProjectCall] = relationship(foreign_keys=[call_id])
    case: Mapped[ReviewCase] = relationship(foreign_keys=[case_id])
    project: Mapped[Project] = relationship(foreign_keys=[project_id])
    unit: Mapped[Organisation] = relationship(foreign_keys=[unit_id])


class BudgetLine(db.Model):
    """One entry's share of a budget arrangement (预算安排) and the api.BudgetArrangement row it wrote."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_call.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("library_entry.id"), index=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("budget_arrangement.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    year: Mapped[int] = mapped_column(Integer)
    document_no: Mapped[str] = mapped_column(String(100))
    # a reversal (冲销) is a line of the opposite amount naming the line it reverses; a line is reversed once
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("budget_line.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[LibraryEntry] = relationship(foreign_keys=[entry_id])
