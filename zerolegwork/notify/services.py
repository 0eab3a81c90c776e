"""Notification jobs (run by the outbox relay) and queries for the bell."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from .models import Notification


def notify_tasks_ready(human_task_ids: list[int]) -> int:
    """Tell each task's organisation that a task waits for it (job; flush only)."""
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.id.in_(human_task_ids))).all()
    n = 0
    for t in tasks:
        if t.state != HumanTaskState.READY:
            continue
        db.session.add(Notification(org_code=t.org_code, kind="task_ready", human_task_id=t.id, message=t.title))
        n += 1
    db.session.flush()
    return n


def probe(seconds: float = 0, token: str = "") -> None:
    """Sleep, then leave a notification for org `probe`: checks the job pipeline end to end."""
    time.sleep(min(float(seconds), 300))
    db.session.add(Notification(org_code="probe", kind="probe", message=token[:500]))
    db.session.flush()


def unread_count(org_code: str) -> int:
    """Unread notifications of an organisation."""
    return int(
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.org_code == org_code, Notification.read_at.is_(None))
        )
        or 0
    )


def notifications_of(org_code: str, page: int = 1, per_page: int = 20) -> tuple[list[Notification], int]:
    """An organisation's notifications, newest first, one page at a time, with the total."""
    total = db.session.scalar(select(func.count(Notification.id)).where(Notification.org_code == org_code)) or 0
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.org_code == org_code)
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), int(total)


def mark_all_read(org_code: str) -> int:
    """Mark every unread notification of an organisation read (flush only); returns how many."""
    from sqlalchemy import update

    from ..db import utcnow

    return int(
        db.session.execute(
            update(Notification)
            .where(Notification.org_code == org_code, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        ).rowcount
        or 0
    )
