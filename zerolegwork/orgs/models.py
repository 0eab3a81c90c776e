"""Regions, organisations (units, departments, agencies), their internal structure, people, experts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class OrgKind(StrEnum):
    UNIT = "unit"
    DEPARTMENT = "department"
    AGENCY = "agency"
    EXPERT = "expert"  # a region's expert pool (专家库): its users are experts, who see only their own panels


class OrgLevel(StrEnum):
    """The levels of the region tree, top down; an installation uses the city and below, or all three."""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


class OrgState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    DISABLED = "disabled"
    UNREGISTERED = "unregistered"  # named in an imported project file; has no users until it registers


class ApprovalMode(StrEnum):
    APPROVAL = "approval"  # 审批
    VERIFICATION = "verification"  # 核准
    FILING = "filing"  # 备案


class ServiceType(StrEnum):
    CONSULTING = "consulting"  # 咨询
    SUPERVISION = "supervision"  # 监理
    COST_AUDIT = "cost_audit"  # 造价审核
    PERFORMANCE = "performance"  # 绩效评价
    REVIEW = "review"  # 评审


class Region(db.Model):
    """A node of the region tree set up by `flask zlw setup`: the top (市本级), its cities, districts, counties.

    The top region's row carries the name its own projects give as 项目地区 (市本级, 省本级) and
    `area_name`, the name its tables print (包头市); every other region is simply its name.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    sort_order: Mapped[int] = mapped_column(default=0)
    area_name: Mapped[str | None] = mapped_column(String(50))

    @property
    def area(self) -> str:
        """The name a table of this region prints as 项目地区."""
        return self.area_name or self.name


class Organisation(db.Model):
    """A project unit, a management department or an intermediary agency, in one region."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=OrgState.ACTIVE)
    # 统一社会信用代码 (GB 32100), for units and agencies
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    # departments: which kind of department (finance, ndrc, environment, economy_it, housing, admin)
    dept_type: Mapped[str | None] = mapped_column(String(30))
    # agencies: ServiceType values; and their qualification certificate numbers
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    qualifications: Mapped[str | None] = mapped_column(String(1000))
    require_totp: Mapped[bool] = mapped_column(default=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")

    @property
    def level(self) -> str:
        return self.region.level


class User(UserMixin, db.Model):
    """A person who signs in; belongs to one organisation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    # where e-mail notifications go, if the user wants them (notify/preferences)
    email: Mapped[str | None] = mapped_column(String(254))
    # the newest notification of the organisation this person has marked read (the bell is per person)
    notifications_seen_id: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # administrator of the own organisation (structure, posts, chains, people)
    is_admin: Mapped[bool] = mapped_column(default=False)
    # approves registrations of units and agencies in the own organisation's region
    is_region_admin: Mapped[bool] = mapped_column(default=False)
    # reads the audit log
    is_auditor: Mapped[bool] = mapped_column(default=False)
    # keeps the approval paths: the process catalog, impact of a change, deployment (流程管理)
    is_analyst: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # bumped to end every session of the user at once (disable, password change)
    session_epoch: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[org_id])

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active and self.org.state == OrgState.ACTIVE

    def get_id(self) -> str:
        # the epoch makes every old session cookie of this user invalid when it is bumped
        return f"{self.id}:{self.session_epoch}"


class OrgUnit(db.Model):
    """An internal unit of a department (内设机构), e.g. 投资评审科."""

    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class MgmtLevel(db.Model):
    """A management level of a department (管理层级): rank 1 is the handler (经办), higher ranks sign later."""

    __table_args__ = (UniqueConstraint("org_id", "rank"), UniqueConstraint("org_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    rank: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))


class Post(db.Model):
    """A post (岗位) in a department: at one level, optionally in one internal unit."""

    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    level_id: Mapped[int] = mapped_column(ForeignKey("mgmt_level.id"))
    name: Mapped[str] = mapped_column(String(100))

    level: Mapped[MgmtLevel] = relationship(lazy="joined")
    unit: Mapped[OrgUnit | None] = relationship(lazy="joined")


class PostMember(db.Model):
    """A person holding a post."""

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)


class ChainStep(db.Model):
    """One step of a department's chain of posts for one approval mode (审批/核准/备案)."""

    __table_args__ = (UniqueConstraint("org_id", "mode", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))

    post: Mapped[Post] = relationship(lazy="joined")


class Substitution(db.Model):
    """While `user` is absent (dates inclusive, Asia/Shanghai), `substitute` may act for them (代理)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id])


class Expert(db.Model):
    """An expert (专家) the online review draws from; not necessarily a user."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    employer: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    available: Mapped[bool] = mapped_column(default=True)
    availability_note: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # declared conflicts of interest (利害关系): organisation ids or unit names the expert must not review
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")


class RateLimitCounter(db.Model):
    """A fixed-window request counter shared by every web node (kept in the database)."""

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(default=0)
