"""The statutory clock of department tasks: due dates in working days, paused while a matter is with the unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .models import HumanTask
from .routing import TIME_LIMITS


def set_due_dates(rows: list[dict[str, Any]]) -> None:
    """A department's task is due after its mode's statutory limit in working days (holiday calendar).

    When the same department reviews again after the matter was returned to the unit for revision
    (补正), its clock does not restart: the earlier due date moves by the working days the matter
    spent with the unit (the clock paused).
    """
    from ..workdays.services import add_working_days, extend_for_pause

    if not rows:
        return
    now = utcnow()
    paused = _earlier_rounds(rows[0]["instance_id"], {r["org_code"] for r in rows})
    due_by_limit: dict[int, datetime] = {}
    for row in rows:
        earlier = paused.get((row["org_code"], row["bpmn_id"]))
        if earlier is not None:
            due, returned_at, resumed_at = earlier
            row["due_at"] = extend_for_pause(due, returned_at, resumed_at or now)
            continue
        limit = TIME_LIMITS.get(row["mode"])
        if limit is None:
            continue
        if limit not in due_by_limit:
            due_by_limit[limit] = add_working_days(now, limit)
        row["due_at"] = due_by_limit[limit]


def _earlier_rounds(
    instance_id: int, org_codes: set[str]
) -> dict[tuple[str, str], tuple[datetime, datetime, datetime | None]]:
    """For departments that reviewed this instance before: their last due date and the pause since.

    The pause is the unit's revision task that came after that review: from when it was handed to
    the unit to when the unit sent the matter back. One statement; empty on a first round.
    """
    earlier = db.session.execute(
        select(HumanTask.org_code, HumanTask.bpmn_id, HumanTask.due_at, HumanTask.created_at)
        .where(
            HumanTask.instance_id == instance_id,
            HumanTask.org_code.in_(org_codes),
            HumanTask.due_at.is_not(None),
        )
        .order_by(HumanTask.id.desc())
    ).all()
    if not earlier:
        return {}
    revisions = db.session.execute(
        select(HumanTask.created_at, HumanTask.completed_at)
        .where(HumanTask.instance_id == instance_id, HumanTask.lane == "project_unit")
        .order_by(HumanTask.id.desc())
    ).all()
    out: dict[tuple[str, str], tuple[datetime, datetime, datetime | None]] = {}
    for org, bpmn_id, due, created in earlier:
        if (org, bpmn_id) in out or due is None:
            continue
        after = [r for r in revisions if r.created_at >= created]
        if after:
            returned_at = min(r.created_at for r in after)
            resumed = max((r.completed_at for r in after if r.completed_at), default=None)
            out[(org, bpmn_id)] = (due, returned_at, resumed)
    return out
