"""Who may act on a human task.

A lane names a role; the task data names the organisation under the lane's name. Inside a
department the task then passes through that department's own chain of posts for the approval
mode (经办 → 科长 → 分管领导 …), configured by the department, not in BPMN. A person may act at a
step when they hold the step's post, or substitute (代理) today for someone who holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, null, select, union_all

from ..extensions import db
from ..orgs.models import ChainStep, Organisation, PostMember, Substitution, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_MODE = "approval"
# Statutory time limit of a department's sign-off, in working days, by approval mode. A 备案 (filing)
# nobody objects to within its limit is acknowledged by itself (runtime.acknowledge_filing).
TIME_LIMITS = {"approval": 20, "verification": 20, "filing": 5}


@dataclass(frozen=True)
class Actor:
    """A person acting on tasks: their organisation, posts, and the posts they cover for others."""

    id: int
    name: str
    org_code: str
    org_name: str
    post_ids: frozenset[int] = frozenset()
    # post id -> the absent holder this actor substitutes for
    covering: dict[int, int] = field(default_factory=dict)

    @property
    def actable_posts(self) -> set[int]:
        return set(self.post_ids) | set(self.covering)


def today_local(now: datetime | None = None) -> date:
    """The date in Asia/Shanghai (substitution ranges are local dates)."""
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


# own posts (absent = NULL) and posts of people the user substitutes for on a date; built once
_ACTOR_POSTS: Any = union_all(
    select(PostMember.post_id, null().label("absent")).where(PostMember.user_id == bindparam("b_user")),
    select(PostMember.post_id, Substitution.user_id)
    .join(Substitution, Substitution.user_id == PostMember.user_id)
    .where(
        Substitution.substitute_id == bindparam("b_user"),
        Substitution.revoked_at.is_(None),
        Substitution.starts_on <= bindparam("b_on"),
        Substitution.ends_on >= bindparam("b_on"),
    ),
)


def actor_for(user: User, on: date | None = None) -> Actor:
    """Build the Actor for a user: own posts plus posts of people they substitute for on `on` (one query)."""
    rows = db.session.connection().execute(_ACTOR_POSTS, {"b_user": user.id, "b_on": on or today_local()}).all()
    own: set[int] = set()
    covering: dict[int, int] = {}
    for post_id, absent_id in rows:
        if absent_id is None:
            own.add(post_id)
        else:
            covering.setdefault(post_id, absent_id)
    for post_id in own:
        covering.pop(post_id, None)
    return Actor(user.id, user.display_name, user.org.code, user.org.name, frozenset(own), covering)


def org_for_task(lane: str, data: dict[str, Any]) -> str:
    """Return the organisation code that acts on a task in `lane` (data carries it under the lane's name)."""
    value = data.get(lane)
    if isinstance(value, str) and value:
        return value
    return ""


# built once: building the statement cost more than SQLite running it (bench/growth.py)
_CHAINS = (
    select(Organisation.code, ChainStep.post_id)
    .join(ChainStep, ChainStep.org_id == Organisation.id)
    .where(Organisation.code.in_(bindparam("b_codes", expanding=True)), ChainStep.mode == bindparam("b_mode"))
    .order_by(Organisation.code, ChainStep.position)
)


def chains_for(org_codes: Iterable[str], mode: str) -> dict[str, list[int]]:
    """The chain (post ids in order) of each organisation for a mode, in one query."""
    codes = set(org_codes)
    chains: dict[str, list[int]] = {c: [] for c in codes}
    if not codes:
        return chains
    rows = db.session.execute(_CHAINS, {"b_codes": sorted(codes), "b_mode": mode}).all()
    for code, post_id in rows:
        chains[code].append(post_id)
    return chains


def may_act(actor: Actor, task_org_code: str, task_post_id: int | None) -> bool:
    """Tell whether `actor` may act on a task at its current step."""
    if not task_org_code or actor.org_code != task_org_code:
        return False
    return task_post_id is None or task_post_id in actor.actable_posts
