"""Actions beside completing: return to the previous step (退回上一步), add a signer (加签), acknowledge
备案 items in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..engine import chains, runtime
from ..engine.errors import EngineError
from ..engine.models import HumanTask
from ..engine.routing import Actor
from ..extensions import db
from ..orgs.models import User
from . import countersign
from .complete import complete
from .errors import ReasonRequiredError

ACKNOWLEDGEMENT = "已知悉，予以备案。"
MAX_BULK = 100


def _actor(user: User) -> Actor:
    return Actor(user.id, user.display_name, user.org.code, user.org.name)


def return_level(user: User, task_id: int, reason: str) -> None:
    """Send a task back to the previous post in the department's chain, with a reason (flush only)."""
    reason = reason.strip()
    if not reason:
        runtime.lock_for(task_id, _actor(user))  # who may not act is told 404 first, whatever they sent
        raise ReasonRequiredError()
    chains.return_to_previous_level(task_id, reason[:2000], _actor(user))
    countersign.withdraw_stale(task_id)


def add_signer(user: User, task_id: int, post_id: int) -> None:
    """Add a post of the user's own department right after the current step (flush only)."""
    chains.add_signer(task_id, post_id, _actor(user))


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


def describe(result: BulkResult) -> dict[str, Any]:
    return {"done": len(result.done), "refused": len(result.refused)}
