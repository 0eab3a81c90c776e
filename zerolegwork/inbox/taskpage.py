"""The task page: who may open a task, and everything the page shows of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from sqlalchemy import exists, or_, select

from ..engine import hooks, runtime
from ..engine.errors import TaskNotFoundError
from ..engine.models import HumanTask, HumanTaskState, TaskStep
from ..engine.routing import actor_for, may_act
from ..extensions import db
from ..orgs.models import Organisation, Post, User
from ..projects.models import Project
from ..records import current
from . import countersign, deadlines
from .claims import claim_of
from .models import Countersign


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
    # who has claimed the task (empty: nobody), and whether that keeps this user from acting
    claimed_by_name: str = ""
    claimed_by_other: bool = False
    may_release: bool = False
    # the evidence the form asks for, and what the project already holds
    slots: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    evidence_rights: Any = None  # files.owners.EvidenceRights: what the user may add and withdraw
    # 会签: every invitation of the task, and the one open at this user's post
    countersigns: list[Any] = field(default_factory=list)
    my_countersign: Any = None
    # the statutory clock ('red', 'yellow', 'ok' or None; working days left) and the posts one may add or ask
    warning: str | None = None
    remaining: int | None = None
    posts: list[Any] = field(default_factory=list)
    # one truth per figure: the values a record form starts from (the project's own, the newest plan), and
    # for a reviewer what the record of an earlier step of this matter changed: (label, before, after)
    starting: dict[str, str] = field(default_factory=dict)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    # the step's domain beside the form (a review's panel and score …), from the form's step hook
    summary: hooks.Summary | None = None

    def known_values(self) -> dict[str, Any]:
        """Form fields the platform already knows, to fill in: the process's (a multi-instance item), then the
        project's current values for a record form (these win: the process's copy may be older)."""
        names = {f["name"] for f in self.form.get("fields", [])}
        known = {k: v for k, v in self.data.items() if k in names and isinstance(v, (str, int))}
        known.update({k: v for k, v in self.starting.items() if k in names})
        return known


def _visible_task(user: User, task_id: int) -> tuple[HumanTask, bool]:
    """The task and whether the user may act on it now; TaskNotFoundError unless they may act or took part."""
    ht = runtime.load_task(task_id)
    actor = actor_for(user)
    can_act = ht.state == HumanTaskState.READY and may_act(actor, ht.org_code, ht.post_id)
    # correlated on the one task (a primary-key read), not the user's whole history
    took_part = db.session.scalar(
        select(HumanTask.id).where(
            HumanTask.id == task_id,
            or_(
                HumanTask.completed_by_id == user.id,
                exists().where(TaskStep.human_task_id == HumanTask.id, TaskStep.user_id == user.id),
            ),
        )
    )
    if not can_act and took_part is None and not _countersigns(user, task_id):
        raise TaskNotFoundError(str(task_id))
    return ht, can_act


def _countersigns(user: User, task_id: int) -> bool:
    """Whether the user was asked to countersign the task (at one of their posts) or countersigned it."""
    posts = actor_for(user).actable_posts
    return (
        db.session.scalar(
            select(Countersign.id)
            .where(
                Countersign.human_task_id == task_id,
                or_(Countersign.signed_by_id == user.id, Countersign.post_id.in_(posts or {0})),
            )
            .limit(1)
        )
        is not None
    )


def task_diagram(user: User, task_id: int) -> dict[str, Any]:
    """The diagram of the process the task is in, with where it stands; only for who may see the task."""
    from ..engine import view

    ht, _can_act = _visible_task(user, task_id)
    return view.task_diagram(ht)


def task_page(user: User, task_id: int) -> TaskPage:
    """Everything the task page shows; TaskNotFoundError when the user may not see the task."""
    ht, can_act = _visible_task(user, task_id)
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
    held = claim_of(user.id, task_id) if can_act and ht.claimed_by_id is not None else None
    form = runtime.task_form(ht)
    from ..files import services as files
    from ..files.owners import rights_of
    from ..files.slots import slots_of

    slots = slots_of(form) if project is not None else []
    attachments = files.attachments_of(user, project.id, withdrawn=True) if slots and project is not None else []
    data = runtime.task_context(ht)
    return TaskPage(
        ht,
        form,
        data,
        project,
        [(t, n or t.org_code) for t, n in history],
        can_act,
        [(step, name) for step, name in levels],
        waiting.name if waiting else None,
        claimed_by_name=held.holder_name if held else "",
        claimed_by_other=bool(held and held.blocks(user.id)),
        may_release=bool(held and not held.blocks(user.id)),
        slots=slots,
        attachments=attachments,
        evidence_rights=rights_of(user, project, slots, attachments) if slots and project is not None else None,
        countersigns=countersign.of_task(task_id),
        my_countersign=countersign.open_for(user, task_id),
        warning=deadlines.warning_levels([ht]).get(ht.id),
        remaining=deadlines.remaining_days(ht),
        posts=posts_to_add(user) if can_act and not (held and held.blocks(user.id)) else [],
        starting=current.starting_values(form.get("record"), project) if can_act else {},
        changes=_changes(ht, form, [t for t, _n in history]),
        summary=hooks.summary_of(form, user, ht, data),
    )


def _changes(ht: HumanTask, form: dict[str, Any], done: list[HumanTask]) -> list[tuple[str, str, str]]:
    """For a step that writes no record: what the record of an earlier step of the matter changed, labelled."""
    if form.get("record") or not done:
        return []
    forms = runtime.instance_forms(ht)
    writers = [t for t in done if forms.get(t.form_key, {}).get("record") in current.SHOWN_KINDS]
    if not writers:
        return []
    labels: dict[str, Any] = {}
    for t in writers:
        labels.update({f["name"]: f.get("label", {}) for f in forms[t.form_key].get("fields", [])})
    loc = "en" if str(get_locale()) == "en" else "zh_CN"
    return [
        (str(labels.get(c.name, {}).get(loc) or labels.get(c.name, {}).get("zh_CN") or c.name), c.before, c.after)
        for c in current.changes_in(t.id for t in writers)
    ]


def posts_to_add(user: User) -> list[Post]:
    """The posts of the user's department that may be added as a signer."""
    return list(db.session.scalars(select(Post).where(Post.org_id == user.org_id).order_by(Post.name)))
