"""Claiming a task (认领) so colleagues at the same post see it is taken, and giving it back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, or_, select, update

from ..audit import services as audit
from ..db import utcnow
from ..engine.errors import ConcurrentUpdateError, TaskNotFoundError, TaskNotReadyError
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import actor_for, may_act, today_local
from ..extensions import db
from ..orgs.models import Substitution, User
from .errors import TaskClaimedError
from .models import Countersign

READY = HumanTaskState.READY.value
HT = HumanTask.__table__
CS = Countersign.__table__


@dataclass
class Claim:
    """Who holds a task, read in one statement: with whether the reader substitutes for the holder today.

    The same statement says whether the task has countersign invitations (会签) at all and whether one
    of its current step is still open, so a completion checks both with one read.
    """

    state: str
    org_code: str
    post_id: int | None
    holder_id: int | None
    holder_name: str
    covers_holder: bool
    countersigned: bool = False
    countersign_open: bool = False

    def blocks(self, user_id: int) -> bool:
        """Tell whether the claim keeps `user_id` from acting (someone else holds it, not covered today)."""
        return self.holder_id is not None and self.holder_id != user_id and not self.covers_holder


_CLAIM = (
    select(
        HT.c.state,
        HT.c.org_code,
        HT.c.post_id,
        HT.c.claimed_by_id,
        User.display_name,
        exists()
        .where(
            Substitution.user_id == HT.c.claimed_by_id,
            Substitution.substitute_id == bindparam("b_user"),
            Substitution.revoked_at.is_(None),
            Substitution.starts_on <= bindparam("b_on"),
            Substitution.ends_on >= bindparam("b_on"),
        )
        .label("covers_holder"),
        exists().where(CS.c.human_task_id == HT.c.id).label("countersigned"),
        exists()
        .where(CS.c.human_task_id == HT.c.id, CS.c.state == "open", CS.c.chain_pos == HT.c.chain_pos)
        .label("countersign_open"),
    )
    .select_from(HT)
    .outerjoin(User, User.id == HT.c.claimed_by_id)
    .where(HT.c.id == bindparam("b_task"))
)
# the claim is taken only if the task is still ready, unclaimed and at a post the user may act at
_TAKE = (
    update(HT)
    .where(
        HT.c.id == bindparam("b_task"),
        HT.c.state == READY,
        HT.c.claimed_by_id.is_(None),
        HT.c.org_code == bindparam("b_org"),
        or_(HT.c.post_id.is_(None), HT.c.post_id.in_(bindparam("b_posts", expanding=True))),
    )
    .values(claimed_by_id=bindparam("b_user"), claimed_at=bindparam("b_now"))
)
_GIVE_BACK = (
    update(HT)
    .where(HT.c.id == bindparam("b_task"), HT.c.state == READY, HT.c.claimed_by_id == bindparam("b_holder"))
    .values(claimed_by_id=None, claimed_at=None)
)
_CLEAR = update(HT).where(HT.c.id == bindparam("b_task")).values(claimed_by_id=None, claimed_at=None)


def claim_of(user_id: int, task_id: int) -> Claim | None:
    """Who holds a task, and whether `user_id` substitutes for them today; None when there is no such task."""
    row = db.session.connection().execute(_CLAIM, {"b_task": task_id, "b_user": user_id, "b_on": today_local()}).first()
    if row is None:
        return None
    return Claim(row[0], row[1], row[2], row[3], row[4] or "", bool(row[5]), bool(row[6]), bool(row[7]))


def claim(user: User, task_id: int) -> None:
    """Claim a ready task at one of the user's posts, so colleagues see it is taken (flush only).

    One conditional UPDATE decides; only when it changes nothing is the task read to say why:
    TaskClaimedError names who holds it. Claiming a task one already holds changes nothing.
    """
    actor = actor_for(user)
    params = {
        "b_task": task_id,
        "b_org": actor.org_code,
        "b_posts": sorted(actor.actable_posts),
        "b_user": user.id,
        "b_now": utcnow(),
    }
    if db.session.connection().execute(_TAKE, params).rowcount == 1:
        audit.record("task.claim", "human_task", task_id, user.id)
        return
    found = claim_of(user.id, task_id)
    if found is None or not may_act(actor, found.org_code, found.post_id):
        raise TaskNotFoundError(str(task_id))
    if found.state != READY:
        raise TaskNotReadyError(found.state)
    if found.holder_id == user.id:
        return
    if found.holder_id is not None:
        raise TaskClaimedError(task_id, found.holder_id, found.holder_name)
    raise ConcurrentUpdateError(str(task_id))  # it moved on between the UPDATE and the read


def release(user: User, task_id: int) -> None:
    """Give a claimed task back to the post: by its holder, or by whoever substitutes for the holder today."""
    conn = db.session.connection()
    if conn.execute(_GIVE_BACK, {"b_task": task_id, "b_holder": user.id}).rowcount == 1:
        audit.record("task.release", "human_task", task_id, user.id)
        return
    found = claim_of(user.id, task_id)
    if found is None or not (found.covers_holder or may_act(actor_for(user), found.org_code, found.post_id)):
        raise TaskNotFoundError(str(task_id))
    if found.state != READY:
        raise TaskNotReadyError(found.state)
    if found.holder_id is None or found.holder_id == user.id:
        return  # nothing (left) to give back
    if found.blocks(user.id):
        raise TaskClaimedError(task_id, found.holder_id, found.holder_name)
    if conn.execute(_GIVE_BACK, {"b_task": task_id, "b_holder": found.holder_id}).rowcount != 1:
        raise ConcurrentUpdateError(str(task_id))
    audit.record("task.release", "human_task", task_id, user.id, on_behalf_of_id=found.holder_id)


def clear_claim(task_id: int) -> None:
    """End whatever claim a task has (its level is done: it moves on to the next post)."""
    db.session.connection().execute(_CLEAR, {"b_task": task_id})
