"""Projects: create, find what a user may see, submit for joint sign-off, follow outcomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, update

from ..audit import services as audit
from ..engine import runtime
from ..extensions import db
from ..orgs import services as orgs
from ..orgs.models import Region, User
from .errors import ProjectNotFoundError, ProjectStateError, WithdrawRefusedError
from .models import Project, ProjectState

SIGNOFF_PROCESS = "joint_signoff"


def create_project(
    code: str | None,
    name: str,
    unit_id: int,
    region: str,
    category: str,
    planned_investment: Decimal,
    **classification: Any,
) -> Project:
    """Add a project to the library (flush only); without a code, the next national code is allocated.

    `classification` may carry investment_policy, industry_type, construction_mode, investment_mode,
    management_status, competent_department_id, cumulative_investment, start_year, end_year, and `level`
    (who manages it: the region's own level by default, or the level of a region above it — levels.levels_at).
    """
    from ..dictionaries.services import industry_code
    from .codes import allocate

    region_row = orgs.region_by_name(region)
    if region_row is None:
        raise ValueError(f"unknown region {region!r}")
    if code is None:
        from datetime import date

        year = int(classification.get("start_year") or date.today().year)
        industry = industry_code(str(classification.get("industry_type") or "其他"))
        code = allocate(year, region_row.code, industry)
    project = Project(
        code=code,
        name=name,
        unit_id=unit_id,
        region_id=region_row.id,
        level=_level(region_row, classification.pop("level", None)),
        category=category,
        planned_investment=Decimal(planned_investment).quantize(Decimal("0.0001")),
        cumulative_investment=Decimal(classification.pop("cumulative_investment", 0) or 0).quantize(Decimal("0.0001")),
        **classification,
    )
    db.session.add(project)
    db.session.flush()
    return project


def _level(region: Region, level: str | None) -> str:
    from .levels import levels_at, region_map

    if not level:
        return region.level
    if level not in levels_at(region, region_map()):
        raise ValueError(f"a {level} project cannot be located in {region.name}")
    return level


def _visible(user: User) -> Select[tuple[Project]]:
    from ..permissions import project_scope

    return select(Project).where(project_scope(user))


def visible_projects(user: User, page: int = 1, per_page: int = 20) -> tuple[list[Project], int]:
    """The projects a user may see, newest first, one page at a time, with the total count."""
    from sqlalchemy import func

    base = _visible(user)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(
        base.order_by(Project.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), int(total)


def get_visible_project(user: User, project_id: int) -> Project:
    """Return the project, or raise ProjectNotFoundError when it does not exist or is not visible."""
    project = db.session.scalars(_visible(user).where(Project.id == project_id)).first()
    if project is None:
        raise ProjectNotFoundError(str(project_id))
    return project


def submit_for_signoff(user: User, project_id: int) -> Project:
    """Start the joint sign-off of a project on behalf of its unit (flush only)."""
    project = get_visible_project(user, project_id)
    if user.org_id != project.unit_id:
        raise ProjectNotFoundError(str(project_id))
    if project.state not in (ProjectState.DRAFT,):
        raise ProjectStateError(project.state)
    data: dict[str, Any] = {
        "project_unit": user.org.code,
        "category": project.category,
        "project_id": project.id,
        "project_name": project.name,
        "project_code": project.code,
        "planned_investment": str(project.planned_investment),
        "round_no": 0,
        "opinions": [],
        "revise_limit": "P30D",
    }
    result = runtime.start_instance(SIGNOFF_PROCESS, data, actor_id=user.id, project_id=project.id)
    project.instance_id = result.instance_id
    project.state = ProjectState.IN_APPROVAL
    audit.record("project.submit", "project", project.id, user.id, instance=result.instance_id)
    db.session.flush()
    return project


def follow_outcome(project_id: int | None, data: dict[str, Any], previous: dict[str, Any]) -> None:
    """Move the project's state, lifecycle stage and approved figures when the process changed them (flush only)."""
    if project_id is None:
        return
    if data.get("investment_approved") is True and previous.get("investment_approved") is not True:
        from ..records.current import follow_approved_plan  # records read projects: imported when needed

        follow_approved_plan(project_id, None)  # 计划投资 follows the approved plan
    stage = data.get("lifecycle_stage")
    if isinstance(stage, str) and stage and stage != previous.get("lifecycle_stage"):
        db.session.execute(
            update(Project)
            .where(Project.id == project_id, Project.stage.is_distinct_from(stage))
            .values(stage=stage[:20])
        )
    state = data.get("project_state")
    if state == previous.get("project_state") or state not in set(ProjectState):
        return
    changed = db.session.execute(
        update(Project).where(Project.id == project_id, Project.state != state).values(state=state)
    ).rowcount
    if changed:
        audit.record("project.state", "project", project_id, None, before=previous.get("project_state"), after=state)


def close_after_termination(instance_id: int, actor_id: int | None) -> list[int]:
    """Projects whose approval matter the process administrator terminated are closed (flush only).

    Only a project in approval (or returned to its unit) whose current matter it is; audited per project.
    """
    open_states = (ProjectState.IN_APPROVAL, ProjectState.RETURNED)
    rows = db.session.execute(
        select(Project.id, Project.state).where(Project.instance_id == instance_id, Project.state.in_(open_states))
    ).all()
    for project_id, before in rows:
        db.session.execute(update(Project).where(Project.id == project_id).values(state=ProjectState.CLOSED))
        audit.record("project.state", "project", project_id, actor_id, before=before, after=ProjectState.CLOSED)
    return [project_id for project_id, _before in rows]


def may_share(user: User) -> bool:
    """City-level departments share projects with districts."""
    from ..orgs.models import OrgKind, OrgLevel

    return user.org.kind == OrgKind.DEPARTMENT and user.org.region.level == OrgLevel.CITY


def share_with_district(user: User, project_id: int, region_id: int) -> None:
    """Let a district's departments see a project of the city (flush only); idempotent."""
    from ..orgs.models import OrgLevel, Region
    from .models import ProjectShare

    project = get_visible_project(user, project_id)
    region = db.session.get(Region, region_id)
    if not may_share(user) or region is None or region.level != OrgLevel.DISTRICT:
        raise ProjectNotFoundError(str(project_id))
    if region.id == project.region_id and project.level == region.level:
        return  # the district's own project
    exists_ = db.session.scalar(
        select(ProjectShare.id).where(ProjectShare.project_id == project.id, ProjectShare.region_id == region.id)
    )
    if exists_ is None:
        db.session.add(ProjectShare(project_id=project.id, region_id=region.id, shared_by_id=user.id))
        db.session.flush()
        audit.record("project.share", "project", project.id, user.id, after={"region": region.name})


def shares_of(project_id: int) -> list[str]:
    """Names of the districts a project is shared with."""
    from ..orgs.models import Region
    from .models import ProjectShare

    return list(
        db.session.scalars(
            select(Region.name)
            .join(ProjectShare, ProjectShare.region_id == Region.id)
            .where(ProjectShare.project_id == project_id)
            .order_by(Region.sort_order)
        )
    )


def withdraw(user: User, project_id: int, reason: str) -> Project:
    """The unit takes its submission back before any department has acted on this round (flush only)."""
    from sqlalchemy import exists, func

    from ..engine.models import HumanTask, HumanTaskState, TaskStep

    project = get_visible_project(user, project_id)
    if user.org_id != project.unit_id:
        raise ProjectNotFoundError(str(project_id))
    if project.state != ProjectState.IN_APPROVAL or project.instance_id is None:
        raise ProjectStateError(project.state)
    instance_id = project.instance_id
    # this round began when the unit last (re)submitted: its own last completed task, or the start
    round_start = db.session.scalar(
        select(func.max(HumanTask.completed_at)).where(
            HumanTask.instance_id == instance_id, HumanTask.lane == "project_unit"
        )
    )
    this_round = [HumanTask.instance_id == instance_id, HumanTask.lane != "project_unit"]
    if round_start is not None:
        this_round.append(HumanTask.created_at >= round_start)
    acted = db.session.scalar(
        select(HumanTask.id)
        .where(
            *this_round,
            (HumanTask.state == HumanTaskState.COMPLETED) | exists().where(TaskStep.human_task_id == HumanTask.id),
        )
        .limit(1)
    )
    if acted is not None:
        raise WithdrawRefusedError(str(project_id))
    runtime.cancel_instance(instance_id, user.id, reason.strip()[:500])
    before = project.state
    project.state = ProjectState.DRAFT
    project.instance_id = None
    db.session.flush()
    audit.record("project.withdraw", "project", project.id, user.id, before=before, after=project.state, reason=reason)
    return project
