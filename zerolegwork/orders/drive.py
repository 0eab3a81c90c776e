"""Complete an order's waiting step as its organisation's people would, through every level of its chain.

The demo and the tests use it; a department's chain of posts (经办 → 科长 …) may take several levels.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..engine.errors import NotAllowedToActError
from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from ..inbox.complete import complete
from ..orgs.models import Organisation, User
from .models import ServiceOrder

MAX_LEVELS = 6


def waiting(order: ServiceOrder, step: str) -> HumanTask | None:
    """The order's READY task of a step (answer_order, deliver, check_delivery), if it waits."""
    return db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == order.instance_id,
            HumanTask.bpmn_id == step,
            HumanTask.state == HumanTaskState.READY,
        )
    ).first()


def members(org_code: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Organisation, Organisation.id == User.org_id)
            .where(Organisation.code == org_code)
            .order_by(User.id)
        )
    )


def finish(order: ServiceOrder, step: str, answers: dict[str, Any]) -> None:
    """Complete the step level by level, each by a member allowed to act (flush only); LookupError if nobody may."""
    for _level in range(MAX_LEVELS):
        task = waiting(order, step)
        if task is None:
            return
        for user in members(task.org_code):
            try:
                with db.session.begin_nested():
                    complete(user, task.id, answers)
            except NotAllowedToActError:
                continue
            break
        else:
            raise LookupError(f"nobody of {task.org_code} may act on {step}")
    if waiting(order, step) is not None:
        raise LookupError(f"{step} still waits after {MAX_LEVELS} levels")
