"""Notification jobs (run by the outbox relay) and queries for the bell."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from ..i18n import local_time
from .mail import queue_mail
from .models import Notification, NotificationPreference, NotifyEvent


def notify_tasks_ready(human_task_ids: list[int], event: str | None = None) -> int:
    """Job: tell each task's organisation that a task waits for it; e-mail the people who asked for it (flush only).

    The event is `task_returned` for a matter sent back (退回) to the unit or to an earlier step,
    else `task_ready`, unless the caller names one (`near_limit`, `escalated`).
    """
    tasks = db.session.scalars(select(HumanTask).where(HumanTask.id.in_(human_task_ids))).all()
    n = 0
    for t in tasks:
        if t.state != HumanTaskState.READY:
            continue
        kind = event or _event_of(t)
        db.session.add(Notification(org_code=t.org_code, kind=kind, human_task_id=t.id, message=t.title))
        for user_id, address in _email_recipients(t, kind):
            queue_mail(user_id, address, _subject(kind, t), _body(kind, t), kind, t.id)
        n += 1
    db.session.flush()
    return n


def _event_of(task: HumanTask) -> str:
    from ..engine.models import TaskStep

    if task.form_key == "revise_application":
        return NotifyEvent.TASK_RETURNED
    last = db.session.scalars(
        select(TaskStep.answers).where(TaskStep.human_task_id == task.id).order_by(TaskStep.id.desc()).limit(1)
    ).first()
    if last and last.get("decision") == "return":
        return NotifyEvent.TASK_RETURNED
    return NotifyEvent.TASK_READY


def _email_recipients(task: HumanTask, event: str) -> list[tuple[int, str]]:
    """Who may act on the task (its post's members, else the organisation's people) and wants this e-mail."""
    from ..orgs.models import Organisation, PostMember, User

    people = select(User.id, User.email).where(User.active.is_(True), User.email.is_not(None))
    if task.post_id is not None:
        people = people.join(PostMember, PostMember.user_id == User.id).where(PostMember.post_id == task.post_id)
    else:
        people = people.join(Organisation, Organisation.id == User.org_id).where(Organisation.code == task.org_code)
    wanted = people.join(
        NotificationPreference,
        (NotificationPreference.user_id == User.id) & (NotificationPreference.event == event),
    ).where(NotificationPreference.email.is_(True))
    return [(uid, email) for uid, email in db.session.execute(wanted).all() if email]


def _subject(event: str, task: HumanTask) -> str:
    return f"【零跑腿】{EVENT_LABELS_ZH.get(event, event)}：{task.title}"


def _body(event: str, task: HumanTask) -> str:
    due = local_time(task.due_at) if task.due_at else "—"
    return (
        f"{EVENT_LABELS_ZH.get(event, event)}\n\n"
        f"任务：{task.title}\n"
        f"办理时限：{due}\n\n"
        f"请登录零跑腿平台，在“待办”中办理（任务编号 {task.id}）。\n"
        "本邮件由系统自动发送，请勿回复。如不需要邮件提醒，可在“通知”页的“提醒设置”中关闭。\n"
    )


# e-mails are written in the users' language; the pages translate the same events through _()
EVENT_LABELS_ZH = {
    NotifyEvent.TASK_READY: "新任务到达",
    NotifyEvent.TASK_RETURNED: "事项被退回",
    NotifyEvent.NEAR_LIMIT: "任务临近办理时限",
    NotifyEvent.ESCALATED: "逾期任务已上报",
}


def probe(seconds: float = 0, token: str = "") -> None:
    """Sleep, then leave a notification for org `probe`: checks the job pipeline end to end."""
    time.sleep(min(float(seconds), 300))
    db.session.add(Notification(org_code="probe", kind="probe", message=token[:500]))
    db.session.flush()


def muted_events(user_id: int) -> list[str]:
    """The events a user turned off in the bell."""
    return list(
        db.session.scalars(
            select(NotificationPreference.event).where(
                NotificationPreference.user_id == user_id, NotificationPreference.in_app.is_(False)
            )
        )
    )


def unread_count(org_code: str, muted: list[str] | None = None, user_id: int | None = None, seen_id: int = 0) -> int:
    """Notifications of an organisation newer than `seen_id`, without muted events (given, or the user's)."""
    stmt = select(func.count(Notification.id)).where(Notification.org_code == org_code, Notification.id > seen_id)
    if muted:
        stmt = stmt.where(Notification.kind.not_in(muted))
    if user_id is not None:
        users_muted = select(NotificationPreference.event).where(
            NotificationPreference.user_id == user_id, NotificationPreference.in_app.is_(False)
        )
        stmt = stmt.where(Notification.kind.not_in(users_muted))
    return int(db.session.scalar(stmt) or 0)


def notifications_of(
    org_code: str, page: int = 1, per_page: int = 20, muted: list[str] | None = None
) -> tuple[list[Notification], int]:
    """An organisation's notifications (without the muted events), newest first, one page at a time, with the total."""
    where = [Notification.org_code == org_code]
    if muted:
        where.append(Notification.kind.not_in(muted))
    total = db.session.scalar(select(func.count(Notification.id)).where(*where)) or 0
    rows = db.session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), int(total)


def mark_all_read(user: Any) -> int:
    """Mark every notification of the user's organisation read for this person (flush only); returns how many."""
    newest = db.session.scalar(select(func.max(Notification.id)).where(Notification.org_code == user.org.code)) or 0
    fresh = unread_count(user.org.code, seen_id=user.notifications_seen_id)
    user.notifications_seen_id = max(int(newest), user.notifications_seen_id)
    db.session.flush()
    return fresh


EVENTS = tuple(NotifyEvent)
EMAIL_MAX = 254


def preferences_of(user_id: int) -> dict[str, tuple[bool, bool]]:
    """(in the bell, by e-mail) per event; events without a row: bell yes, e-mail no."""
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user_id)).all()
    chosen = {r.event: (r.in_app, r.email) for r in rows}
    return {str(e): chosen.get(str(e), (True, False)) for e in EVENTS}


class PreferenceError(ValueError):
    """An e-mail address that cannot be used, or e-mail wanted without an address."""


def set_preferences(user: Any, address: str, choices: dict[str, tuple[bool, bool]]) -> None:
    """Keep the user's e-mail address and choices (flush only); e-mail needs a plausible address."""
    import re

    address = address.strip()
    if address and (
        len(address) > EMAIL_MAX or not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", address)
    ):
        raise PreferenceError("address")
    if not address and any(email for _in_app, email in choices.values()):
        raise PreferenceError("no_address")
    user.email = address or None
    existing = {
        r.event: r
        for r in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for event in EVENTS:
        in_app, email = choices.get(str(event), (True, False))
        row = existing.get(str(event))
        if row is None:
            row = NotificationPreference(user_id=user.id, event=str(event))
            db.session.add(row)
        row.in_app, row.email = in_app, email
    db.session.flush()
