"""The task inbox: what waits for a user, in views, filtered, sorted and paged, with every view's count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import aliased

from ..db import utcnow
from ..engine.models import HumanTask, HumanTaskState, ProcessDefinition, ProcessInstance, TaskStep
from ..engine.routing import Actor, actor_for, may_act
from ..engine.titles import process_name
from ..extensions import db
from ..i18n import SHANGHAI
from ..orgs.models import Post, Region, User
from ..projects.models import Project

# The inbox's service surface: the lists live here; completing, claiming and the task page are
# modules of their own, re-exported so that views and tests call the inbox in one place.
from .claims import claim as claim
from .claims import release as release
from .complete import complete as complete
from .errors import TaskClaimedError as TaskClaimedError
from .taskpage import TaskPage as TaskPage
from .taskpage import task_diagram as task_diagram
from .taskpage import task_page as task_page

PER_PAGE = 20
VIEWS = ("mine", "claimed", "department", "overdue", "done")
SORTS = ("arrived_desc", "arrived_asc", "due_asc")
READY = HumanTaskState.READY.value
DUE_SOON = timedelta(days=3)  # "due soon" on the home page: within three calendar days
HT = HumanTask.__table__
Holder = aliased(User, name="holder")


@dataclass(frozen=True)
class InboxQuery:
    """One inbox page as asked for in the address: the view, its filters, the order, the page."""

    view: str = "mine"
    page: int = 1
    q: str = ""
    region_id: int | None = None
    process_id: str = ""
    due_before: date | None = None
    sort: str = "arrived_desc"

    @classmethod
    def from_args(cls, args: Mapping[str, str], page: int = 1) -> InboxQuery:
        """Read the query from query-string arguments; what does not parse reads as not given."""
        view = args.get("view", "")
        sort = args.get("sort", "")
        region = (args.get("region") or "").strip()
        try:
            due = date.fromisoformat((args.get("due_before") or "").strip())
        except ValueError:
            due = None
        return cls(
            view=view if view in VIEWS else "mine",
            page=page,
            q=(args.get("q") or "").strip()[:100],
            region_id=int(region) if region.isdigit() and len(region) < 10 else None,
            process_id=(args.get("process") or "").strip()[:100],
            due_before=due,
            sort=sort if sort in SORTS else "arrived_desc",
        )

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.region_id or self.process_id or self.due_before)

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The non-default parts as query-string arguments (for tabs, the pager, the form's way back)."""
        values: dict[str, Any] = {
            "view": self.view if self.view != "mine" else None,
            "q": self.q or None,
            "region": self.region_id,
            "process": self.process_id or None,
            "due_before": self.due_before.isoformat() if self.due_before else None,
            "sort": self.sort if self.sort != "arrived_desc" else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class InboxRow:
    task: HumanTask
    project_name: str
    project_code: str
    post_name: str = ""
    claimed_by_name: str = ""
    can_act: bool = False
    claimed_by_me: bool = False
    overdue: bool = False


@dataclass
class InboxPage:
    query: InboxQuery
    rows: list[InboxRow]
    total: int
    counts: dict[str, int]
    regions: list[tuple[int, str]] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)
    # each process's name as its diagram gives it (项目全生命周期), for the filter
    process_names: dict[str, str] = field(default_factory=dict)
    per_page: int = PER_PAGE
    actor: Actor | None = None  # whose inbox it is: the page's other parts reuse it instead of reading it again


def _at_step(actor: Actor) -> Any:
    """A task's current step is the actor's: their own post or one they cover (no post: anyone of the org)."""
    posts = actor.actable_posts
    return or_(HumanTask.post_id.is_(None), HumanTask.post_id.in_(posts)) if posts else HumanTask.post_id.is_(None)


def _done_ids(user_id: int) -> Any:
    """Ids of the tasks the user completed or gave a level's opinion on."""
    return union(
        select(HumanTask.id).where(HumanTask.completed_by_id == user_id),
        select(TaskStep.human_task_id).where(TaskStep.user_id == user_id),
    )


def _view_where(view: str, user: User, actor: Actor, now: datetime) -> list[Any]:
    if view == "done":
        return [HumanTask.id.in_(_done_ids(user.id))]
    # every other view lists ready tasks of the user's organisation (the inbox index leads)
    where = [HumanTask.org_code == actor.org_code, HumanTask.state == READY]
    if view in ("mine", "overdue"):
        where.append(_at_step(actor))
    if view == "overdue":
        where.append(HumanTask.due_at < now)
    if view == "claimed":
        where.append(HumanTask.claimed_by_id == user.id)
    return where


def _filter_where(query: InboxQuery) -> list[Any]:
    where: list[Any] = []
    if query.q:
        q = query.q
        # ILIKE lower-cases every candidate's name (slow on Chinese text); without letters LIKE finds the same
        if q.lower() == q.upper():
            where.append(or_(Project.name.contains(q, autoescape=True), Project.code.contains(q, autoescape=True)))
        else:
            where.append(or_(Project.name.icontains(q, autoescape=True), Project.code.icontains(q, autoescape=True)))
    if query.region_id:
        where.append(Project.region_id == query.region_id)
    if query.process_id:
        where.append(ProcessInstance.process_id == query.process_id)
    if query.due_before:
        # due on or before that day in Asia/Shanghai
        end = datetime.combine(query.due_before + timedelta(days=1), time(), SHANGHAI)
        where.append(HumanTask.due_at < end)
    return where


def _order(sort: str) -> list[Any]:
    if sort == "arrived_asc":
        return [HumanTask.created_at.asc(), HumanTask.id.asc()]
    if sort == "due_asc":
        return [HumanTask.due_at.asc().nulls_last(), HumanTask.created_at.desc(), HumanTask.id.desc()]
    return [HumanTask.created_at.desc(), HumanTask.id.desc()]


def counts(user: User, actor: Actor | None = None, now: datetime | None = None) -> dict[str, int]:
    """How many tasks each view holds, and how many wait for the user (`waiting`), in one query.

    `waiting` (for the navigation) is `mine` without the tasks a colleague has claimed; `due_soon`
    (for the home page's dashboard) the user's tasks due within DUE_SOON and not yet late.
    """
    actor = actor or actor_for(user)
    now = now or utcnow()
    at_step = _at_step(actor)
    mine_or_free = or_(HumanTask.claimed_by_id.is_(None), HumanTask.claimed_by_id == user.id)
    done = select(func.count()).select_from(_done_ids(user.id).subquery()).scalar_subquery()
    row = db.session.execute(
        select(
            func.count().filter(at_step),
            func.count().filter(HumanTask.claimed_by_id == user.id),
            func.count(),
            func.count().filter(at_step, HumanTask.due_at < now),
            done,
            func.count().filter(at_step, mine_or_free),
            func.count().filter(at_step, HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON),
        ).where(HumanTask.org_code == actor.org_code, HumanTask.state == READY)
    ).one()
    result = dict(zip((*VIEWS, "waiting", "due_soon"), (int(n or 0) for n in row), strict=True))
    if has_request_context():  # the navigation's count on this same page reuses it
        g.zlw_inbox_counts = (user.id, result)
    return result


def _rows(
    user: User, actor: Actor, query: InboxQuery, per_page: int, now: datetime, total: int | None
) -> tuple[list[InboxRow], int]:
    """One page of a view, and the view's total under the filters (`total` is it when unfiltered).

    The page's ids are chosen on human_task alone (joined only to what a filter needs) and only
    those 20 rows are joined to project, post and holder: joining first would look up every
    waiting task's project before the LIMIT. A filtered total comes with the ids (a window count).
    """
    chosen = select(HumanTask.id)
    if query.q or query.region_id:
        chosen = chosen.join(Project, Project.id == HumanTask.project_id)
    if query.process_id:
        chosen = chosen.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    if total is None:
        chosen = chosen.add_columns(func.count().over().label("total"))
    where = _view_where(query.view, user, actor, now) + _filter_where(query)
    offset = (max(query.page, 1) - 1) * per_page
    ids = chosen.where(*where).order_by(*_order(query.sort)).limit(per_page).offset(offset).subquery("chosen")
    found = db.session.execute(
        select(HumanTask, Project.name, Project.code, Post.name, Holder.display_name, *ids.c[1:])
        .join_from(ids, HumanTask, HumanTask.id == ids.c.id)
        .outerjoin(Project, Project.id == HumanTask.project_id)
        .outerjoin(Post, Post.id == HumanTask.post_id)
        .outerjoin(Holder, Holder.id == HumanTask.claimed_by_id)
        .order_by(*_order(query.sort))
    ).all()
    if total is None:
        if found:
            total = int(found[0][-1])
        elif offset:  # past the last page: count apart
            counted = chosen.with_only_columns(func.count()).where(*where).order_by(None)
            total = int(db.session.scalar(counted) or 0)
        else:
            total = 0
    rows = []
    for t, name, code, post_name, holder, *_total in found:
        ready = t.state == READY and query.view != "done"
        rows.append(
            InboxRow(
                t,
                name or "",
                code or "",
                post_name or "",
                holder or "",
                can_act=ready and may_act(actor, t.org_code, t.post_id),
                claimed_by_me=t.claimed_by_id == user.id,
                overdue=ready and t.due_at is not None and t.due_at < now,
            )
        )
    return rows, total


def inbox_page(user: User, query: InboxQuery, per_page: int = PER_PAGE) -> InboxPage:
    """One page of an inbox view, newest first unless asked otherwise, with every view's count.

    A fixed number of statements whatever the inbox holds: the user's posts, the counts, the
    page (plus its filtered total when filters are given), the regions and processes to filter by.
    """
    actor = actor_for(user)
    now = utcnow()
    numbers = counts(user, actor, now)
    rows, total = _rows(user, actor, query, per_page, now, None if query.filtered else numbers[query.view])
    regions = db.session.execute(select(Region.id, Region.name).order_by(Region.sort_order, Region.id)).all()
    processes = db.session.scalars(
        select(ProcessDefinition.process_id).distinct().order_by(ProcessDefinition.process_id)
    ).all()
    bpmn_dir = current_app.config["ZLW"].bpmn_dir
    names = {p: process_name(p, bpmn_dir) for p in processes}
    return InboxPage(query, rows, total, numbers, [(i, n) for i, n in regions], list(processes), names, per_page, actor)


def inbox(user: User, page: int = 1, per_page: int = PER_PAGE, done: bool = False) -> tuple[list[InboxRow], int]:
    """Tasks waiting at the user's posts (or posts they cover), or done by the user; newest first."""
    actor = actor_for(user)
    now = utcnow()
    query = InboxQuery(view="done" if done else "mine", page=page)
    return _rows(user, actor, query, per_page, now, counts(user, actor, now)[query.view])


def ready_count(user: User) -> int:
    """How many tasks wait for the user (not counting those a colleague has claimed)."""
    cached = g.get("zlw_inbox_counts") if has_request_context() else None
    if cached is not None and cached[0] == user.id:
        return int(cached[1]["waiting"])
    return counts(user)["waiting"]
