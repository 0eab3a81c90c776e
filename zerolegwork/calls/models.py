"""A call for projects (项目征集 / 申报批次) and the units' applications to it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation
from ..projects.models import Project


class CallState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ApplicationState(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"  # accepted for review (接收评审, the review's step)
    RETURNED = "returned"  # returned for missing material


class ProjectCall(db.Model):
    """A department's call: who may apply (regions, categories), when (a window of working days), with what.

    `region_ids` empty means the issuer's whole region subtree; `categories` empty means every category.
    `slots` are the required attachments: [{"key": "s1", "label": "申报书"}, ...].
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    region_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    funding_source: Mapped[str | None] = mapped_column(String(40))  # a code of the dictionary kind funding_source
    fund_name: Mapped[str | None] = mapped_column(String(100))  # the fund itself, e.g. 中央转移支付节能减排资金
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scoring_sheet: Mapped[str | None] = mapped_column(String(50))  # a scoring sheet's code (experts/)
    # the call's money (万元): the budget arranged on its review library may not exceed it
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    # raised by every budget arrangement on the call: a form posted against an older version is refused (409)
    budget_version: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default=CallState.DRAFT, index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[issuer_id])


class CallApplication(db.Model):
    """A unit's application of one of its projects to a call; one per project and call (withdrawn ones reopen).

    `attachments` maps a slot key of the call to the Attachment id (files/) uploaded for it.
    """

    __table_args__ = (UniqueConstraint("call_id", "project_id", name="uq_call_application_call_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_call.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=ApplicationState.SUBMITTED)
    attachments: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[ProjectCall] = relationship(foreign_keys=[call_id])
    project: Mapped[Project] = relationship(foreign_keys=[project_id])
    unit: Mapped[Organisation] = relationship(foreign_keys=[unit_id])
