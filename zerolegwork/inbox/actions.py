"""Actions beside completing: return to the previous step (退回上一步), add a signer (加签), acknowledge
备案 items in bulk, and the yellow/red deadline warnings the inbox and task page show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..db import utcnow
from ..engine import chains
from ..engine.errors import EngineError
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import TIME_LIMITS, Actor
from ..extensions import db
from ..orgs.models import Post, User
from ..workdays import services as workdays
from .services import complete

ACKNOWLEDGEMENT = "已知悉，予以备案。"
MAX_BULK = 100


def _actor(user: User) -> Actor:
    return Actor(user.id, user.display_name, user.org.code, user.org.name)


def return_level(user: User, task_id: int, reason: str) -> None:
    """Send a task back to the previous post in the department's chain, with a reason (flush only)."""
    reason = reason.strip()
    if not reason:
        from ..engine.runtime import lock_for

        lock_for(task_id, _actor(user))  # who may not act is told 404 first, whatever they sent
        raise ReasonRequiredError()
    chains.return_to_previous_level(task_id, reason[:2000], _actor(user))
    from .countersign import withdraw_stale

    withdraw_stale(task_id)


def add_signer(user: User, task_id: int, post_id: int) -> None:
    """Add a post of the user's own department right after the current step (flush only)."""
    chains.add_signer(task_id, post_id, _actor(user))


def posts_to_add(user: User) -> list[Post]:
    """The posts of the user's department that may be added as a signer."""
    return list(db.session.scalars(select(Post).where(Post.org_id == user.org_id).order_by(Post.name)))


class ReasonRequiredError(ValueError):
    """A return without a reason."""


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def bulk_acknowledge(user: User, task_ids: list[int]) -> BulkResult:
    """Acknowledge many 备案 items at once: each in its own savepoint, so one refusal spoils no other (flush only)."""
    from ..errors import message_for

    result = BulkResult()
    unique = list(dict.fromkeys(task_ids))[:MAX_BULK]
    modes = dict(db.session.execute(select(HumanTask.id, HumanTask.mode).where(HumanTask.id.in_(unique))).all())
    for task_id in unique:
        if modes.get(task_id) != "filing":
            result.refused[task_id] = "not_filing"
            continue
        try:
            with db.session.begin_nested():
                complete(user, task_id, {"decision": "approve", "opinion": ACKNOWLEDGEMENT})
        except EngineError as exc:
            result.refused[task_id] = message_for(exc)[1]
        else:
            result.done.append(task_id)
    return result


def warning_levels(tasks: list[HumanTask], now: datetime | None = None) -> dict[int, str]:
    """'red' (overdue), 'yellow' (near its limit) or 'ok' for each waiting task with a due date; one calendar read."""
    now = now or utcnow()
    due = [t for t in tasks if t.due_at is not None and t.state == HumanTaskState.READY]
    if not due:
        return {}
    moments = [t.due_at for t in due if t.due_at is not None] + [now]
    exceptions = workdays.load_exceptions(workdays.local_date(min(moments)), workdays.local_date(max(moments)))
    out: dict[int, str] = {}
    for t in due:
        assert t.due_at is not None
        total = TIME_LIMITS.get(t.mode or "approval", 20)
        out[t.id] = workdays.warning(t.due_at, now, total, exceptions)
    return out


def remaining_days(task: HumanTask, now: datetime | None = None) -> int | None:
    """Working days left on a waiting task (negative once overdue), None without a due date."""
    if task.due_at is None or task.state != HumanTaskState.READY:
        return None
    return workdays.remaining(task.due_at, now or utcnow())


def describe(result: BulkResult) -> dict[str, Any]:
    return {"done": len(result.done), "refused": len(result.refused)}
