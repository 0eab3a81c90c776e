"""The task inbox: what waits for a user, the task page, completing a task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..engine import runtime
from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from ..orgs.models import Organisation, User
from ..projects import services as projects
from ..projects.models import Project


@dataclass
class InboxRow:
    task: HumanTask
    project_name: str
    project_code: str


def inbox(user: User, page: int = 1, per_page: int = 20, done: bool = False) -> tuple[list[InboxRow], int]:
    """Tasks waiting for the user's organisation (or done by the user), newest first, paginated."""
    if done:
        where = [HumanTask.completed_by_id == user.id, HumanTask.state == HumanTaskState.COMPLETED]
        order = HumanTask.completed_at.desc()
    else:
        where = [HumanTask.org_code == user.org.code, HumanTask.state == HumanTaskState.READY]
        order = HumanTask.created_at.desc()
    total = db.session.scalar(select(func.count(HumanTask.id)).where(*where)) or 0
    rows = db.session.execute(
        select(HumanTask, Project.name, Project.code)
        .outerjoin(Project, Project.id == HumanTask.project_id)
        .where(*where)
        .order_by(order, HumanTask.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return [InboxRow(t, name or "", code or "") for t, name, code in rows], int(total)


def ready_count(user: User) -> int:
    """How many tasks wait for the user's organisation."""
    return int(
        db.session.scalar(
            select(func.count(HumanTask.id)).where(
                HumanTask.org_code == user.org.code, HumanTask.state == HumanTaskState.READY
            )
        )
        or 0
    )


@dataclass
class TaskPage:
    task: HumanTask
    form: dict[str, Any]
    data: dict[str, Any]
    project: Project | None
    history: list[tuple[HumanTask, str]]


def task_page(user: User, task_id: int) -> TaskPage:
    """Everything the task page shows; TaskNotFoundError when the user may not see the task."""
    ht = runtime.load_task(task_id)
    if ht.org_code != user.org.code and ht.completed_by_id != user.id:
        raise runtime.TaskNotFoundError(str(task_id))
    project = db.session.get(Project, ht.project_id) if ht.project_id else None
    history = db.session.execute(
        select(HumanTask, Organisation.name)
        .outerjoin(Organisation, Organisation.code == HumanTask.org_code)
        .where(HumanTask.instance_id == ht.instance_id, HumanTask.state == HumanTaskState.COMPLETED)
        .order_by(HumanTask.completed_at)
    ).all()
    return TaskPage(
        ht, runtime.task_form(ht), runtime.task_context(ht), project, [(t, n or t.org_code) for t, n in history]
    )


def complete(user: User, task_id: int, answers: dict[str, Any]) -> runtime.StepResult:
    """Complete a task as `user` and let the project follow the outcome (flush only)."""
    result = runtime.complete_task(
        task_id, answers, user.id, user.org.code, user.display_name, signature={"org_name": user.org.name}
    )
    projects.follow_outcome(result.project_id, result.data, result.previous_data)
    return result
