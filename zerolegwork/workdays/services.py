"""Working-day arithmetic for statutory time limits, and the platform administrators' holiday calendar.

Days are Asia/Shanghai calendar dates. Monday to Friday count unless the calendar marks them as a
public holiday; Saturday and Sunday do not count unless it marks them as an adjusted working day
(调休). A limit of n working days ends at the last moment of the n-th working day after the day of
receipt ("within n working days of receipt": the day of receipt itself does not count).
Nothing is cached between calls: each computation reads the exceptions it needs in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..i18n import SHANGHAI
from ..orgs.models import User
from . import data
from .errors import CalendarError, CalendarForbiddenError
from .models import CalendarDay, DayKind

NAME_MAX = 50
END_OF_DAY = time(23, 59, 59, 999000)
Level = Literal["ok", "yellow", "red"]


def is_working_day(d: date, exceptions: Mapping[date, str]) -> bool:
    """Whether a calendar date counts: the weekday rule, overridden by the calendar's exceptions."""
    kind = exceptions.get(d)
    if d.weekday() < 5:
        return kind != DayKind.HOLIDAY
    return kind == DayKind.WORKDAY


def load_exceptions(first: date, last: date) -> dict[date, str]:
    """The calendar's exceptions from `first` to `last` (inclusive), read in one query."""
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day.between(first, last)))
    return {day: kind for day, kind in rows}


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai date of an aware instant."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the working-day clock")
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The last moment (23:59:59.999 Asia/Shanghai) of a date, as aware UTC."""
    return datetime.combine(day, END_OF_DAY, SHANGHAI).astimezone(UTC)


def add_working_days(start: datetime, n: int) -> datetime:
    """When a limit of `n` working days from `start` ends: the end of the n-th working day after start's date.

    n=0 ends with the day of receipt itself. The exceptions are read for a window wide enough for
    any ordinary calendar (n*3+30 days); a longer run of holidays than that reads the next window.
    """
    if n < 0:
        raise ValueError("a time limit cannot be negative")
    day = local_date(start)
    counted = 0
    while counted < n:
        window_end = day + timedelta(days=(n - counted) * 3 + 30)
        exceptions = load_exceptions(day + timedelta(days=1), window_end)
        while counted < n and day < window_end:
            day += timedelta(days=1)
            counted += is_working_day(day, exceptions)
    return end_of_day(day)


def working_days_between(start: datetime, end: datetime, exceptions: Mapping[date, str] | None = None) -> int:
    """The working days after start's date up to and including end's date (negative when end is earlier).

    This is the count `add_working_days` inverts: working_days_between(s, add_working_days(s, n)) == n.
    Pass `exceptions` covering the range to share one query among many computations (a page of tasks).
    """
    first, last = local_date(start), local_date(end)
    if last < first:
        return -working_days_between(end, start, exceptions)
    if last == first:
        return 0
    if exceptions is None:
        exceptions = load_exceptions(first + timedelta(days=1), last)
    return sum(is_working_day(first + timedelta(days=i), exceptions) for i in range(1, (last - first).days + 1))


def remaining(due_at: datetime, now: datetime, exceptions: Mapping[date, str] | None = None) -> int:
    """Working days left after today until the due day (0: due today); negative, at least -1, once overdue."""
    if now <= due_at:
        return working_days_between(now, due_at, exceptions)
    return -max(1, working_days_between(due_at, now, exceptions))


def warning(due_at: datetime, now: datetime, total_days: int, exceptions: Mapping[date, str] | None = None) -> Level:
    """'red' when overdue; 'yellow' when at most max(1, 20% of the limit) working days remain; else 'ok'."""
    if now > due_at:
        return "red"
    # remaining() is a whole number, so "at most 20%" is "at most the whole part of 20%"
    return "yellow" if remaining(due_at, now, exceptions) <= max(1, total_days // 5) else "ok"


def extend_for_pause(due_at: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
    """Move a due date by the working days the clock stood still (material returned for correction, 补正).

    The day the matter was returned still counted; the day it came back counts no more, as with
    receipt: the clock runs again from the next working day.
    """
    if resumed_at <= paused_from:
        return due_at
    paused = working_days_between(paused_from, resumed_at)
    return add_working_days(due_at, paused) if paused else due_at


def may_manage(user: User) -> bool:
    """Platform administrators keep the calendar: region administrators of the platform organisation."""
    return bool(user.is_region_admin and user.org.dept_type == "admin")


def _require_manager(user: User) -> None:
    if not may_manage(user):
        raise CalendarForbiddenError(user.id)


def _snapshot(row: CalendarDay | None) -> dict[str, Any] | None:
    return None if row is None else {"kind": row.kind, "name": row.name}


def set_day(admin: User, day: date, kind: str, name: str = "") -> CalendarDay:
    """Mark a weekday as a public holiday or a weekend day as an adjusted working day (flush only, audited)."""
    _require_manager(admin)
    kind = (kind or "").strip()
    name = (name or "").strip()
    if kind not in (DayKind.HOLIDAY, DayKind.WORKDAY):
        raise CalendarError(_("Choose whether the day is a public holiday or an adjusted working day."))
    weekend = day.weekday() >= 5
    if kind == DayKind.HOLIDAY and weekend:
        raise CalendarError(
            _(
                "%(day)s is a Saturday or Sunday, which does not count anyway; only a weekday can be a public holiday.",
                day=day.isoformat(),
            )
        )
    if kind == DayKind.WORKDAY and not weekend:
        raise CalendarError(
            _(
                "%(day)s is a weekday, which counts anyway; only a Saturday or Sunday can be an adjusted working day.",
                day=day.isoformat(),
            )
        )
    if len(name) > NAME_MAX:
        raise CalendarError(_("The name may have at most %(n)d characters.", n=NAME_MAX))
    row = db.session.get(CalendarDay, day)
    before = _snapshot(row)
    if row is None:
        row = CalendarDay(day=day)
        db.session.add(row)
    row.kind = str(kind)
    row.name = name
    row.updated_by_id = admin.id
    row.updated_at = utcnow()
    db.session.flush()
    audit.record("calendar.set", "calendar_day", day.isoformat(), admin.id, before=before, after=_snapshot(row))
    return row


def clear_day(admin: User, day: date) -> None:
    """Remove a day's exception, so the weekday rule decides again (flush only, audited)."""
    _require_manager(admin)
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise CalendarError(_("%(day)s is not in the calendar; there is nothing to clear.", day=day.isoformat()))
    before = _snapshot(row)
    db.session.delete(row)
    db.session.flush()
    audit.record("calendar.clear", "calendar_day", day.isoformat(), admin.id, before=before, after=None)


def days_of_year(year: int) -> list[CalendarDay]:
    """The exceptions of one year, in date order."""
    stmt = select(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
    return list(db.session.scalars(stmt.order_by(CalendarDay.day)))


def published_schedule(year: int) -> data.Schedule | None:
    """The State Council's notice for a year, when the code carries it."""
    return data.SCHEDULES.get(year)


def seed_public_holidays(actor: User | None = None, years: Iterable[int] | None = None) -> int:
    """Add the published schedules' days that the calendar lacks; return how many (flush only, audited).

    Days already in the calendar are left as an administrator set them.
    """
    if actor is not None:
        _require_manager(actor)
    added = 0
    for year in sorted(data.SCHEDULES if years is None else years):
        schedule = data.SCHEDULES.get(year)
        if schedule is None:
            continue
        rows = schedule.exceptions()
        present = set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.day.in_([r[0] for r in rows]))))
        actor_id = actor.id if actor else None
        new = [CalendarDay(day=d, kind=k, name=n, updated_by_id=actor_id) for d, k, n in rows if d not in present]
        if not new:
            continue
        db.session.add_all(new)
        db.session.flush()
        audit.record(
            "calendar.seed",
            "calendar_year",
            year,
            actor_id,
            source=schedule.source,
            added=[row.day.isoformat() for row in new],
        )
        added += len(new)
    return added
