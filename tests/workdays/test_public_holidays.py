"""The State Council's 2026 schedule (国办发明电, 2025-11-04) as calendar rows, and the clock on it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.workdays.conftest import end_of, shanghai
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.workdays import services
from zerolegwork.workdays.data import NOTICE_2026
from zerolegwork.workdays.models import CalendarDay


def test_the_2026_notice_becomes_nineteen_weekdays_off_and_six_weekend_days_worked():
    rows = NOTICE_2026.exceptions()
    off = [d for d, kind, _ in rows if kind == "holiday"]
    worked = [d for d, kind, _ in rows if kind == "workday"]
    assert len(off) == 19 and all(d.weekday() < 5 for d in off)
    assert worked == [date(2026, m, d) for m, d in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]]
    assert all(d.weekday() >= 5 for d in worked)
    assert date(2026, 1, 3) not in off  # a Saturday inside the New Year holiday needs no row
    assert [d for d in off if d.month == 2] == [date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)]
    assert all(len(name) <= services.NAME_MAX for _, _, name in rows)


@pytest.mark.usefixtures("any_app")
def test_seeding_adds_the_missing_days_once_and_keeps_what_an_administrator_set(staff):
    admin = staff["admin"]
    services.set_day(admin, date(2026, 2, 16), "holiday", "春节（本市）")
    db.session.commit()
    assert services.seed_public_holidays() == 24
    assert services.seed_public_holidays() == 0
    db.session.commit()
    assert len(services.days_of_year(2026)) == 25
    assert db.session.get(CalendarDay, date(2026, 2, 16)).name == "春节（本市）"
    assert db.session.get(CalendarDay, date(2026, 2, 14)).kind == "workday"
    seeded = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "calendar.seed").order_by(AuditEvent.id.desc())
    ).first()  # the newest: the demo seed wrote one too
    assert seeded.object_id == "2026" and seeded.actor_id is None and len(seeded.detail["added"]) == 24


@pytest.mark.usefixtures("any_app")
def test_the_clock_on_the_2026_calendar():
    services.seed_public_holidays()
    db.session.commit()
    before_spring_festival = shanghai(2026, 2, 13, 16, 0)  # Friday
    assert services.add_working_days(before_spring_festival, 1) == end_of(date(2026, 2, 14))  # Saturday worked
    assert services.add_working_days(before_spring_festival, 2) == end_of(date(2026, 2, 24))
    eve_of_national_day = shanghai(2026, 9, 30, 10, 0)
    assert services.add_working_days(eve_of_national_day, 1) == end_of(date(2026, 10, 8))
    assert services.add_working_days(eve_of_national_day, 3) == end_of(date(2026, 10, 10))  # Saturday worked
