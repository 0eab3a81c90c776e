"""Tokens that systems use to call the data exchange API, and the budget arrangements they import."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation, User


class TokenScope(StrEnum):
    READ = "read"  # every GET of the API, within the acting user's project scope
    BUDGET_WRITE = "budget:write"  # import budget arrangements (财政一体化)


class ApiToken(db.Model):
    """A bearer token of an outside system: acts as one user of one organisation, within its scopes.

    Only the sha256 of the token is kept; the token itself is shown once, when it is issued.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # the user whose permissions the token has (the organisation's service account unless one was named)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # the first characters of the token, to tell tokens apart in lists and logs
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class BudgetArrangement(db.Model):
    """A budget arrangement (预算安排) of the finance budget system for one project and year (万元)."""

    __table_args__ = (UniqueConstraint("project_id", "year", "document_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    # the funding source type (records.fields.SOURCES: central, provincial … other)
    source: Mapped[str] = mapped_column(String(20))
    # the finance document (文号) that arranged the money
    document_no: Mapped[str] = mapped_column(String(100))
    arranged_on: Mapped[date] = mapped_column(Date)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
