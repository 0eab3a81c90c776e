"""Platform administrators keep the calendar: validated, audited, refused to everyone else."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.workdays import services
from zerolegwork.workdays.errors import CalendarError, CalendarForbiddenError
from zerolegwork.workdays.models import CalendarDay

THURSDAY, SATURDAY, SUNDAY = date(2031, 9, 18), date(2031, 9, 20), date(2031, 9, 21)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_an_administrator_marks_a_weekday_off_and_a_weekend_day_worked(staff):
    admin = staff["admin"]
    services.set_day(admin, THURSDAY, "holiday", " 中秋节 ")
    services.set_day(admin, SUNDAY, "workday", "")
    db.session.commit()
    rows = services.days_of_year(2031)
    assert [(r.day, r.kind, r.name, r.updated_by_id) for r in rows] == [
        (THURSDAY, "holiday", "中秋节", admin.id),
        (SUNDAY, "workday", "", admin.id),
    ]
    (first, _second) = events("calendar.set")
    assert first.object_type == "calendar_day" and first.object_id == "2031-09-18"
    assert first.actor_id == admin.id
    assert first.detail == {"before": None, "after": {"kind": "holiday", "name": "中秋节"}}


def test_changing_a_day_records_what_it_was(staff):
    admin = staff["admin"]
    services.set_day(admin, THURSDAY, "holiday", "中秋节")
    services.set_day(admin, THURSDAY, "holiday", "中秋节、国庆节")
    db.session.commit()
    assert db.session.get(CalendarDay, THURSDAY).name == "中秋节、国庆节"
    assert events("calendar.set")[-1].detail == {
        "before": {"kind": "holiday", "name": "中秋节"},
        "after": {"kind": "holiday", "name": "中秋节、国庆节"},
    }


@pytest.mark.parametrize(
    ("day", "kind", "name", "says"),
    [
        (SATURDAY, "holiday", "", "周六或周日"),
        (THURSDAY, "workday", "", "只有周六或周日"),
        (THURSDAY, "festival", "", "请选择"),
        (THURSDAY, "holiday", "节" * 51, "50"),
    ],
)
def test_a_day_that_would_not_change_the_count_or_a_long_name_is_refused_in_chinese(staff, day, kind, name, says):
    with pytest.raises(CalendarError) as refused:
        services.set_day(staff["admin"], day, kind, name)
    assert says in str(refused.value)
    db.session.rollback()
    assert db.session.get(CalendarDay, day) is None
    assert events("calendar.set") == []


def test_a_name_of_fifty_characters_is_accepted(staff):
    services.set_day(staff["admin"], THURSDAY, "holiday", "节" * 50)
    db.session.commit()
    assert len(db.session.get(CalendarDay, THURSDAY).name) == 50


def test_clearing_a_day_brings_back_the_weekday_rule_and_is_audited(staff):
    admin = staff["admin"]
    services.set_day(admin, SUNDAY, "workday", "国庆节调休上班")
    db.session.commit()
    services.clear_day(admin, SUNDAY)
    db.session.commit()
    assert db.session.get(CalendarDay, SUNDAY) is None
    (cleared,) = events("calendar.clear")
    assert cleared.object_id == "2031-09-21" and cleared.actor_id == admin.id
    assert cleared.detail == {"before": {"kind": "workday", "name": "国庆节调休上班"}, "after": None}
    with pytest.raises(CalendarError) as refused:
        services.clear_day(admin, SUNDAY)
    assert "2031-09-21" in str(refused.value)


@pytest.mark.parametrize("username", ["finance1", "finance_admin", "admin_150202", "auditor", "unit1"])
def test_nobody_but_a_platform_administrator_may_change_the_calendar(staff, username):
    user = staff[username]
    assert not services.may_manage(user)
    with pytest.raises(CalendarForbiddenError):
        services.set_day(user, THURSDAY, "holiday", "")
    with pytest.raises(CalendarForbiddenError):
        services.clear_day(user, THURSDAY)
    with pytest.raises(CalendarForbiddenError):
        services.seed_public_holidays(user)
    assert services.may_manage(staff["admin"])


def test_a_year_lists_its_own_days_only(staff):
    admin = staff["admin"]
    for day, kind in [(date(2030, 12, 31), "holiday"), (date(2031, 1, 1), "holiday"), (date(2031, 12, 31), "holiday")]:
        services.set_day(admin, day, kind, "")
    services.set_day(admin, date(2032, 1, 3), "workday", "")
    db.session.commit()
    assert [r.day for r in services.days_of_year(2031)] == [date(2031, 1, 1), date(2031, 12, 31)]
