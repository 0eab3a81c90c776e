"""Where a waiting task stands against its statutory limit: yellow and red warnings, working days left."""

from __future__ import annotations

from datetime import datetime

from ..db import utcnow
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import TIME_LIMITS
from ..workdays import services as workdays


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
