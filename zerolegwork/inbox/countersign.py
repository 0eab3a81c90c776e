"""会签 (countersign): the post holding a task asks other posts of its department to sign at the same step.

Every invited post must give its opinion before the step can be completed; their opinions stay with
the task. The invitations belong to the step they were made at: when the task moves on (or back),
open invitations of the old step are withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from ..audit import services as audit
from ..db import utcnow
from ..engine.errors import TaskNotFoundError
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import Actor, actor_for, may_act
from ..extensions import db
from ..orgs.models import Post, User
from .errors import CountersignError
from .models import MAX_INVITES, Countersign

DECISIONS = ("agree", "disagree")


def _ready_task(task_id: int) -> HumanTask:
    task = db.session.get(HumanTask, task_id, populate_existing=True)
    if task is None or task.state != HumanTaskState.READY:
        raise TaskNotFoundError(str(task_id))
    return task


def request(user: User, task_id: int, post_ids: list[int]) -> list[Countersign]:
    """The user holding the task's step asks these posts of the department to countersign it (flush only)."""
    task = _ready_task(task_id)
    if not may_act(actor_for(user), task.org_code, task.post_id):
        raise TaskNotFoundError(str(task_id))
    wanted = list(dict.fromkeys(post_ids))
    if not wanted:
        raise CountersignError("no_posts")
    if len(wanted) > MAX_INVITES:
        raise CountersignError("too_many")
    if task.post_id in wanted:
        raise CountersignError("own_post")
    own = set(db.session.scalars(select(Post.id).where(Post.org_id == user.org_id, Post.id.in_(wanted))))
    if own != set(wanted):
        raise CountersignError("foreign_post")
    already = set(
        db.session.scalars(
            select(Countersign.post_id).where(
                Countersign.human_task_id == task.id,
                Countersign.chain_pos == task.chain_pos,
                Countersign.state.in_(("open", "signed")),
            )
        )
    )
    rows = [
        Countersign(human_task_id=task.id, chain_pos=task.chain_pos, post_id=p, requested_by_id=user.id)
        for p in wanted
        if p not in already
    ]
    db.session.add_all(rows)
    db.session.flush()
    audit.record("task.countersign_request", "human_task", task.id, user.id, posts=wanted)
    return rows


def sign(user: User, countersign_id: int, decision: str, opinion: str) -> Countersign:
    """A member (or substitute) of an invited post gives the countersign opinion (flush only); once only."""
    row = db.session.get(Countersign, countersign_id)
    actor = actor_for(user)
    if row is None or row.state != "open" or row.post_id not in actor.actable_posts:
        raise TaskNotFoundError(str(countersign_id))
    if decision not in DECISIONS:
        raise CountersignError("decision")
    opinion = opinion.strip()
    if not opinion or len(opinion) > 2000:
        raise CountersignError("opinion")
    done = db.session.execute(
        update(Countersign)
        .where(Countersign.id == row.id, Countersign.state == "open")
        .values(
            state="signed",
            signed_by_id=user.id,
            signed_at=utcnow(),
            answers={"decision": decision, "opinion": opinion, "signed_by": user.display_name},
        )
    ).rowcount
    if done != 1:
        raise TaskNotFoundError(str(countersign_id))  # signed by a colleague at the same moment
    db.session.refresh(row)
    audit.record("task.countersign", "human_task", row.human_task_id, user.id, decision=decision)
    return row


def withdraw_stale(task_id: int) -> int:
    """Withdraw open invitations of steps the task has left (flush only)."""
    # read the row afresh: the runtime moves tasks with Core statements the session does not see
    task = db.session.execute(select(HumanTask.state, HumanTask.chain_pos).where(HumanTask.id == task_id)).first()
    if task is None:
        return 0
    stale = [Countersign.human_task_id == task_id, Countersign.state == "open"]
    if task.state == HumanTaskState.READY:
        stale.append(Countersign.chain_pos != task.chain_pos)
    return int(db.session.execute(update(Countersign).where(*stale).values(state="withdrawn")).rowcount or 0)


@dataclass
class CountersignRow:
    row: Countersign
    post_name: str
    signer_name: str


def of_task(task_id: int) -> list[CountersignRow]:
    """Every countersign of a task, oldest first, with the post's and the signer's names."""
    from sqlalchemy.orm import aliased

    signer = aliased(User)
    rows = db.session.execute(
        select(Countersign, Post.name, signer.display_name)
        .join(Post, Post.id == Countersign.post_id)
        .outerjoin(signer, signer.id == Countersign.signed_by_id)
        .where(Countersign.human_task_id == task_id)
        .order_by(Countersign.id)
    ).all()
    return [CountersignRow(r, p, s or "") for r, p, s in rows]


def waiting_for(user: User, actor: Actor | None = None) -> list[tuple[Countersign, HumanTask]]:
    """Open countersign requests at the user's posts (and posts they cover), newest first.

    `actor` is the user's, when the caller has already read it (the inbox page has).
    """
    posts = (actor or actor_for(user)).actable_posts
    if not posts:
        return []
    return [
        (c, t)
        for c, t in db.session.execute(
            select(Countersign, HumanTask)
            .join(HumanTask, HumanTask.id == Countersign.human_task_id)
            .where(Countersign.post_id.in_(posts), Countersign.state == "open")
            .order_by(Countersign.id.desc())
            .limit(50)
        ).all()
    ]


def open_for(user: User, task_id: int) -> Countersign | None:
    """The open request at one of the user's posts for this task, if any."""
    posts = actor_for(user).actable_posts
    if not posts:
        return None
    return db.session.scalars(
        select(Countersign).where(
            Countersign.human_task_id == task_id, Countersign.state == "open", Countersign.post_id.in_(posts)
        )
    ).first()
