"""The home page's dashboard: what a user's role needs at a glance, above the inbox.

A unit sees its tasks due soon and its projects by stage; a department reviewer its tasks due soon,
its overdue tasks and the department's projects by stage; the platform's administrators, analysts and
auditors the whole overview with its exceptions (instances stopped by an incident, overdue tasks).
The task figures come from the inbox's counts (no statement of their own); the projects by stage cost
one statement (for whoever sees every project, once a minute per web process: CITY_WIDE_SECONDS), the
exceptions of the overview one more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.sql.elements import True_

from ..db import utcnow
from ..engine.models import HumanTask, HumanTaskState, InstanceState, ProcessInstance
from ..extensions import db
from ..orgs.models import OrgKind, User
from ..permissions import project_scope
from ..projects.classification import STAGES
from ..projects.models import Project

NOT_STARTED = ""  # a project whose lifecycle has not started has no stage
# Whoever sees every project (the top region's departments, the platform's staff) sees the same counts: they
# are read once a minute per web process, not on every home page (a GROUP BY over the whole project table)
CITY_WIDE_SECONDS = 60


@dataclass(frozen=True)
class StageCount:
    """Projects at one lifecycle stage: how many, and their planned investment (万元)."""

    stage: str
    label: str
    projects: int
    planned: Decimal


@dataclass(frozen=True)
class Dashboard:
    """What the home page shows above the inbox for one user."""

    role: str  # unit | department | overview
    due_soon: int
    overdue: int
    waiting_here: int  # tasks waiting anywhere in the user's organisation
    stages: list[StageCount] = field(default_factory=list)
    incidents: int | None = None  # the overview's exceptions only
    overdue_everywhere: int | None = None
    stages_as_of: datetime | None = None  # when city-wide counts were read (None: read for this page)

    @property
    def projects(self) -> int:
        return sum(s.projects for s in self.stages)

    @property
    def planned(self) -> Decimal:
        return sum((s.planned for s in self.stages), Decimal("0"))


def role_of(user: User) -> str:
    """Which dashboard a user gets: the platform's own staff the overview, departments and units their own."""
    org = user.org
    if user.is_analyst or user.is_auditor or (org.kind == OrgKind.DEPARTMENT and org.dept_type == "admin"):
        return "overview"
    return "department" if org.kind == OrgKind.DEPARTMENT else "unit"


def projects_by_stage(user: User) -> list[StageCount]:
    """The projects the user may see, counted per lifecycle stage in the lifecycle's order (one statement)."""
    rows = db.session.execute(
        select(Project.stage, func.count(), func.coalesce(func.sum(Project.planned_investment), 0))
        .where(project_scope(user))
        .group_by(Project.stage)
    ).all()
    found = {(stage or NOT_STARTED): (int(n), Decimal(str(total))) for stage, n, total in rows}
    order = [NOT_STARTED, *STAGES]
    return [
        StageCount(key, STAGES.get(key, ""), *found[key])
        for key in sorted(found, key=lambda k: order.index(k) if k in order else len(order))
    ]


def exceptions() -> tuple[int, int]:
    """Instances stopped by an incident and tasks past their time limit, platform-wide (one statement)."""
    incidents = select(func.count()).where(ProcessInstance.status == InstanceState.INCIDENT).scalar_subquery()
    late = (
        select(func.count())
        .where(HumanTask.state == HumanTaskState.READY, HumanTask.due_at < utcnow())
        .scalar_subquery()
    )
    row = db.session.execute(select(incidents, late)).one()
    return int(row[0] or 0), int(row[1] or 0)


def stages_for(user: User) -> tuple[list[StageCount], datetime | None]:
    """The user's projects by stage; city-wide counts from this process's copy when it is under a minute old."""
    if not isinstance(project_scope(user), True_):
        return projects_by_stage(user), None
    cache = current_app.extensions.setdefault("zlw_city_stages", {})
    hit = cache.get("all")
    now = time.monotonic()
    if hit is not None and now - hit[0] < CITY_WIDE_SECONDS:
        return hit[1], hit[2]
    stages, at = projects_by_stage(user), utcnow()
    cache["all"] = (now, stages, at)
    return stages, at


def dashboard(user: User, counts: dict[str, int]) -> Dashboard:
    """The dashboard of `user`, reusing the inbox's `counts` of the same page."""
    role = role_of(user)
    incidents = late = None
    if role == "overview":
        incidents, late = exceptions()
    stages, as_of = stages_for(user)
    return Dashboard(
        role=role,
        due_soon=counts.get("due_soon", 0),
        overdue=counts.get("overdue", 0),
        waiting_here=counts.get("department", 0),
        stages=stages,
        incidents=incidents,
        overdue_everywhere=late,
        stages_as_of=as_of,
    )
