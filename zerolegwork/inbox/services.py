"""The task inbox: what waits for a user, the task page, completing a task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, or_, select

from ..engine import runtime
from ..engine.models import HumanTask, HumanTaskState, TaskStep
from ..engine.routing import Actor, actor_for, may_act
from ..extensions import db
from ..orgs.models import Organisation, Post, User
from ..projects import services as projects
from ..projects.models import Project


@dataclass
class InboxRow:
    task: HumanTask
    project_name: str
    project_code: str


def _waiting_for(actor: Actor) -> list[Any]:
    """Ready tasks of the actor's organisation at a step the actor may take (own post or covered)."""
    posts = actor.actable_posts
    at_step = or_(HumanTask.post_id.is_(None), HumanTask.post_id.in_(posts)) if posts else HumanTask.post_id.is_(None)
    return [HumanTask.org_code == actor.org_code, HumanTask.state == HumanTaskState.READY, at_step]


def _done_by(user_id: int) -> list[Any]:
    level = exists().where(TaskStep.human_task_id == HumanTask.id, TaskStep.user_id == user_id)
    return [or_(HumanTask.completed_by_id == user_id, level)]


def inbox(user: User, page: int = 1, per_page: int = 20, done: bool = False) -> tuple[list[InboxRow], int]:
    """Tasks waiting for the user (their posts, or posts they cover), or done by the user; newest first."""
    if done:
        where = _done_by(user.id)
        order = HumanTask.created_at.desc()
    else:
        where = _waiting_for(actor_for(user))
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
    """How many tasks wait for the user."""
    return int(db.session.scalar(select(func.count(HumanTask.id)).where(*_waiting_for(actor_for(user)))) or 0)


@dataclass
class TaskPage:
    task: HumanTask
    form: dict[str, Any]
    data: dict[str, Any]
    project: Project | None
    history: list[tuple[HumanTask, str]]
    can_act: bool
    # this task's chain: earlier levels' opinions (step, name of the signer) and the post it waits at
    levels: list[tuple[TaskStep, str]]
    waiting_post: str | None


def task_page(user: User, task_id: int) -> TaskPage:
    """Everything the task page shows; TaskNotFoundError when the user may not see the task."""
    ht = runtime.load_task(task_id)
    actor = actor_for(user)
    can_act = ht.state == HumanTaskState.READY and may_act(actor, ht.org_code, ht.post_id)
    took_part = db.session.scalar(select(HumanTask.id).where(HumanTask.id == task_id, *_done_by(user.id)))
    if not can_act and took_part is None:
        raise runtime.TaskNotFoundError(str(task_id))
    project = db.session.get(Project, ht.project_id) if ht.project_id else None
    history = db.session.execute(
        select(HumanTask, Organisation.name)
        .outerjoin(Organisation, Organisation.code == HumanTask.org_code)
        .where(HumanTask.instance_id == ht.instance_id, HumanTask.state == HumanTaskState.COMPLETED)
        .order_by(HumanTask.completed_at)
    ).all()
    levels = db.session.execute(
        select(TaskStep, User.display_name)
        .join(User, User.id == TaskStep.user_id)
        .where(TaskStep.human_task_id == ht.id)
        .order_by(TaskStep.position)
    ).all()
    waiting = db.session.get(Post, ht.post_id) if ht.post_id and ht.state == HumanTaskState.READY else None
    return TaskPage(
        ht,
        runtime.task_form(ht),
        runtime.task_context(ht),
        project,
        [(t, n or t.org_code) for t, n in history],
        can_act,
        [(step, name) for step, name in levels],
        waiting.name if waiting else None,
    )


def complete(user: User, task_id: int, answers: dict[str, Any]) -> runtime.StepResult:
    """Complete a task as `user` and let the project follow the outcome (flush only)."""
    # the runtime reads the user's standing towards the task's post together with its lock
    actor = Actor(user.id, user.display_name, user.org.code, user.org.name)
    result = runtime.complete_task(task_id, answers, actor)
    projects.follow_outcome(result.project_id, result.data, result.previous_data)
    return result
