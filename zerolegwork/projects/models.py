"""The project library (项目库): projects with their code, classification and chosen functions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation, Region, User


class ProjectState(StrEnum):
    DRAFT = "draft"
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    RETURNED = "returned"
    CLOSED = "closed"


class Project(db.Model):
    """A government investment project owned by a project unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # 项目代码 in the national form, see projects/codes.py
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # "city" (市本级) or "district" (旗县区); follows the region, kept for grouping without a join
    level: Mapped[str] = mapped_column(String(20), default="city")
    # 主管部门
    competent_department_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # classification (projects/classification.py vocabularies)
    category: Mapped[str] = mapped_column(String(50))
    investment_policy: Mapped[str | None] = mapped_column(String(30))
    industry_type: Mapped[str | None] = mapped_column(String(30))
    construction_mode: Mapped[str | None] = mapped_column(String(20))
    investment_mode: Mapped[str | None] = mapped_column(String(20))
    management_status: Mapped[str] = mapped_column(String(20), default="储备")
    # money in 万元, four decimals
    planned_investment: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    cumulative_investment: Mapped[Decimal] = mapped_column(Numeric(16, 4), default=Decimal("0"))
    # 建设年限
    start_year: Mapped[int | None] = mapped_column()
    end_year: Mapped[int | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=ProjectState.DRAFT)
    # where the lifecycle stands (bpmn/lifecycle.bpmn `lifecycle_stage`): information, investment,
    # preparation, construction, acceptance, performance, completed, closed; NULL before it starts
    stage: Mapped[str | None] = mapped_column(String(20), index=True)
    # the joint sign-off instance of the current submission, and the whole-life instance
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    lifecycle_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Organisation] = relationship(foreign_keys=[unit_id])
    competent_department: Mapped[Organisation | None] = relationship(foreign_keys=[competent_department_id])
    region: Mapped[Region] = relationship(lazy="joined")


class ProjectFunction(db.Model):
    """One function a project chose in one of the eight processes (projects/functions.py)."""

    __table_args__ = (UniqueConstraint("project_id", "process", "function"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    process: Mapped[str] = mapped_column(String(30))
    function: Mapped[str] = mapped_column(String(40))


class SavedFilter(db.Model):
    """A named set of project-list filters; shared ones are visible to colleagues of the same organisation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(1000))
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectShare(db.Model):
    """The city shares a project with a district, whose departments may then see it."""

    __table_args__ = (UniqueConstraint("project_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogEntry(db.Model):
    """One dated entry of a project's construction log (建设日志), by the unit, an agency or a department."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    entry_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(5000))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    org: Mapped[Organisation] = relationship(lazy="joined")


class Engagement(db.Model):
    """An intermediary agency the unit engaged on a project for one service (咨询, 监理, 造价审核 …).

    While it lasts (no end date), the agency's people see the project, add evidence and write the log.
    """

    __table_args__ = (UniqueConstraint("project_id", "agency_id", "service_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    service_type: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Organisation] = relationship(lazy="joined")


__all__ = ["Engagement", "LogEntry", "Project", "ProjectCodeCounter", "ProjectFunction", "ProjectShare", "SavedFilter"]


class ProjectCodeCounter(db.Model):
    """The last serial handed out per year and region."""

    key: Mapped[str] = mapped_column(String(12), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
