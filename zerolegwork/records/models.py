"""The typed records the forms of the eight processes write, one table per kind, for reports to add up.

Money is 万元 as Numeric(16, 4); percentages as Numeric(7, 4). Every record row names its project,
the human task it was written on (a plain number: tasks are the engine's rows) and the person who
wrote it; answers the columns do not know (fields analysts add later) are kept in `extra`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

MONEY = Numeric(16, 4)
PERCENT = Numeric(7, 4)


class RecordMixin:
    """Columns every record table has: who wrote what for which project, when, and the extra answers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProjectInfoRevision(RecordMixin, db.Model):
    """One submission of the project information form: what was answered and what the project had before."""

    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the project's values of the changed columns before this revision
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str | None] = mapped_column(Text)


class ProcedureDocument(RecordMixin, db.Model):
    """An approval or permit document of the procedures process (立项批复, 规划许可 …)."""

    # a function key of projects/functions.py process "procedures"
    procedure: Mapped[str] = mapped_column(String(40), index=True)
    document_no: Mapped[str] = mapped_column(String(100))
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(Text)


class InvestmentPlan(RecordMixin, db.Model):
    """A submitted investment plan; the highest version of a project is its current plan."""

    __table_args__ = (UniqueConstraint("project_id", "version"),)

    version: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(MONEY)
    term_years: Mapped[int] = mapped_column(Integer)
    construction_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    equipment_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    other_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    contingency: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))

    sources: Mapped[list[FundingSource]] = relationship(
        back_populates="plan", order_by="FundingSource.id", cascade="all, delete-orphan"
    )


class FundingSource(db.Model):
    """The amount one source (central, provincial … self_raised, other) gives to one investment plan."""

    __table_args__ = (UniqueConstraint("plan_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("investment_plan.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    plan: Mapped[InvestmentPlan] = relationship(back_populates="sources")


class Procurement(RecordMixin, db.Model):
    """A tender or purchase and its award (招标采购)."""

    __table_args__ = (Index("ix_procurement_type_method", "procurement_type", "method"),)

    title: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20), index=True)
    # works / goods / services
    procurement_type: Mapped[str] = mapped_column(String(20))
    budget: Mapped[Decimal] = mapped_column(MONEY)
    award_amount: Mapped[Decimal] = mapped_column(MONEY)
    winner: Mapped[str] = mapped_column(String(200))
    awarded_on: Mapped[date] = mapped_column(Date, index=True)


class Contract(RecordMixin, db.Model):
    """A filed contract (合同备案)."""

    title: Mapped[str] = mapped_column(String(200))
    contract_type: Mapped[str] = mapped_column(String(20), index=True)
    party_a: Mapped[str] = mapped_column(String(200))
    party_b: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)


class ProgressReport(RecordMixin, db.Model):
    """A monthly progress report; investment and disbursement figures are cumulative to the period's end."""

    __table_args__ = (Index("ix_progress_report_project_period", "project_id", "period"),)

    # "YYYY-MM"
    period: Mapped[str] = mapped_column(String(7), index=True)
    # each figure is blank when the project did not choose that progress dimension
    time_progress: Mapped[Decimal | None] = mapped_column(PERCENT)
    work_quantity_progress: Mapped[Decimal | None] = mapped_column(PERCENT)
    investment_completed: Mapped[Decimal | None] = mapped_column(MONEY)
    funds_disbursed: Mapped[Decimal | None] = mapped_column(MONEY)
    image_note: Mapped[str | None] = mapped_column(Text)
    performance_note: Mapped[str | None] = mapped_column(Text)
    construction_complete: Mapped[bool] = mapped_column(default=False)


class Acceptance(RecordMixin, db.Model):
    """An acceptance (验收) and its result."""

    # specialist / joint / self
    acceptance_type: Mapped[str] = mapped_column(String(20), index=True)
    # passed / conditional / failed
    result: Mapped[str] = mapped_column(String(20), index=True)
    accepted_on: Mapped[date] = mapped_column(Date, index=True)
    organiser: Mapped[str] = mapped_column(String(200))
    remarks: Mapped[str | None] = mapped_column(Text)


class PerformanceGoal(RecordMixin, db.Model):
    """The performance goal set for a project, with its weighted indicators."""

    goal: Mapped[str] = mapped_column(Text)

    indicators: Mapped[list[PerformanceIndicator]] = relationship(
        back_populates="performance_goal", order_by="PerformanceIndicator.position", cascade="all, delete-orphan"
    )


class PerformanceIndicator(db.Model):
    """One weighted indicator of a performance goal; the weights of a goal add up to 100."""

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("performance_goal.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[Decimal] = mapped_column(PERCENT)
    target: Mapped[str] = mapped_column(String(200))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    performance_goal: Mapped[PerformanceGoal] = relationship(back_populates="indicators")


class PerformanceEvaluation(RecordMixin, db.Model):
    """A performance evaluation at one stage (monitoring, self, third party, key) with score and grade."""

    stage: Mapped[str] = mapped_column(String(20), index=True)
    score: Mapped[Decimal] = mapped_column(PERCENT)
    grade: Mapped[str] = mapped_column(String(4), index=True)
    findings: Mapped[str] = mapped_column(Text)
    use_of_results: Mapped[str | None] = mapped_column(Text)
