"""The statutory clock: working days counted on Shanghai dates, holidays and adjusted working days included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from tests.workdays.conftest import SUNDAY_WORKED, end_of, shanghai
from zerolegwork.extensions import db
from zerolegwork.workdays import services
from zerolegwork.workdays.services import add_working_days, is_working_day, remaining, warning, working_days_between

pytestmark = pytest.mark.usefixtures("any_app")

RECEIVED = shanghai(2031, 9, 17, 10, 0)  # a Wednesday, the day before the holidays


@pytest.fixture
def calendar_queries() -> list[str]:
    """The statements that read the calendar table while a test runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "calendar_day" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def test_weekdays_count_unless_a_holiday_and_weekends_only_when_worked_in_exchange():
    exceptions = {date(2031, 9, 18): "holiday", SUNDAY_WORKED: "workday"}
    assert is_working_day(date(2031, 9, 17), exceptions)  # an ordinary Wednesday
    assert not is_working_day(date(2031, 9, 18), exceptions)  # a Thursday off
    assert not is_working_day(date(2031, 9, 20), exceptions)  # an ordinary Saturday
    assert is_working_day(SUNDAY_WORKED, exceptions)  # a Sunday worked (调休)


@pytest.mark.usefixtures("holiday_week")
@pytest.mark.parametrize(
    ("n", "last_day"),
    [
        (0, date(2031, 9, 17)),  # the day of receipt itself
        (1, date(2031, 9, 21)),  # Thu, Fri off, Sat weekend: the worked Sunday is the first day
        (5, date(2031, 9, 25)),  # Sun, Mon, Tue, Wed, Thu
        (20, date(2031, 10, 16)),
    ],
)
def test_a_limit_skips_the_holidays_and_counts_the_sunday_worked_in_exchange(n, last_day):
    assert add_working_days(RECEIVED, n) == end_of(last_day)


@pytest.mark.usefixtures("holiday_week")
@pytest.mark.parametrize("n", [0, 1, 2, 5, 20])
def test_the_count_of_working_days_inverts_the_limit(n):
    assert working_days_between(RECEIVED, add_working_days(RECEIVED, n)) == n
    assert working_days_between(add_working_days(RECEIVED, n), RECEIVED) == -n


def test_the_limit_ends_at_the_last_millisecond_of_the_day_in_shanghai():
    due = add_working_days(shanghai(2031, 9, 15, 9, 0), 1)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due == datetime(2031, 9, 16, 15, 59, 59, 999000, tzinfo=UTC)


def test_a_friday_in_utc_that_is_already_saturday_in_shanghai_starts_from_saturday():
    late_friday_shanghai = datetime(2031, 9, 12, 15, 59, 59, tzinfo=UTC)  # Fri 23:59:59 in Shanghai
    saturday_shanghai = datetime(2031, 9, 12, 16, 0, tzinfo=UTC)  # still Friday in UTC: Sat 00:00 in Shanghai
    assert add_working_days(late_friday_shanghai, 0) == end_of(date(2031, 9, 12))
    assert add_working_days(saturday_shanghai, 0) == end_of(date(2031, 9, 13))
    assert add_working_days(late_friday_shanghai, 1) == end_of(date(2031, 9, 15))
    assert add_working_days(saturday_shanghai, 1) == end_of(date(2031, 9, 15))


def test_a_saturday_worked_in_exchange_counts_only_when_the_matter_arrived_before_it_in_shanghai(calendar):
    calendar(workday=[date(2031, 9, 13)])
    friday_evening = shanghai(2031, 9, 12, 20, 0)  # 12:00 UTC, Friday everywhere
    friday_night_utc = datetime(2031, 9, 12, 17, 0, tzinfo=UTC)  # Saturday 01:00 in Shanghai
    assert add_working_days(friday_evening, 1) == end_of(date(2031, 9, 13))
    assert add_working_days(friday_night_utc, 1) == end_of(date(2031, 9, 15))
    assert add_working_days(friday_night_utc, 5) == end_of(date(2031, 9, 19))


def test_a_naive_start_or_a_negative_limit_is_refused():
    with pytest.raises(ValueError):
        add_working_days(datetime(2031, 9, 17, 10, 0), 1)
    with pytest.raises(ValueError):
        add_working_days(RECEIVED, -1)


@pytest.mark.usefixtures("holiday_week")
def test_the_exceptions_are_read_in_one_query(calendar_queries):
    add_working_days(RECEIVED, 20)
    assert len(calendar_queries) == 1
    calendar_queries.clear()
    add_working_days(RECEIVED, 0)
    assert calendar_queries == []


def test_a_run_of_holidays_longer_than_the_window_reads_the_next_window(calendar, calendar_queries):
    day, off = date(2031, 11, 3), []
    while day.year == 2031:
        if day.weekday() < 5:
            off.append(day)
        day += timedelta(days=1)
    calendar(holiday=off)
    calendar_queries.clear()
    assert add_working_days(shanghai(2031, 10, 31, 9, 0), 2) == end_of(date(2032, 1, 2))
    assert len(calendar_queries) == 2


@pytest.mark.usefixtures("holiday_week")
def test_the_working_days_left_count_the_due_day_but_not_today():
    due = add_working_days(RECEIVED, 5)  # Thursday 2031-09-25
    assert remaining(due, shanghai(2031, 9, 17, 12, 0)) == 5
    assert remaining(due, shanghai(2031, 9, 20, 10, 0)) == 5  # Saturday: the worked Sunday is still ahead
    assert remaining(due, shanghai(2031, 9, 24, 9, 0)) == 1
    assert remaining(due, shanghai(2031, 9, 25, 23, 0)) == 0  # due today
    assert remaining(due, shanghai(2031, 9, 26, 0, 0, 1)) == -1
    assert remaining(due, shanghai(2031, 9, 27, 10, 0)) == -1  # Saturday after: still one day late
    assert remaining(due, shanghai(2031, 9, 29, 10, 0)) == -2


@pytest.mark.usefixtures("holiday_week")
def test_the_warning_turns_yellow_at_twenty_percent_and_red_when_overdue():
    five = add_working_days(RECEIVED, 5)  # at most max(1, 1) day left: yellow
    assert warning(five, shanghai(2031, 9, 23, 9, 0), 5) == "ok"  # 2 left
    assert warning(five, shanghai(2031, 9, 24, 9, 0), 5) == "yellow"  # 1 left
    assert warning(five, shanghai(2031, 9, 25, 23, 59), 5) == "yellow"  # due today
    assert warning(five, five + timedelta(milliseconds=1), 5) == "red"
    twenty = add_working_days(RECEIVED, 20)  # Thursday 2031-10-16; yellow at 4 days left
    assert warning(twenty, shanghai(2031, 10, 9, 12, 0), 20) == "ok"  # 5 left
    assert warning(twenty, shanghai(2031, 10, 10, 12, 0), 20) == "yellow"  # 4 left
    one = add_working_days(RECEIVED, 1)  # a one-day limit is yellow from the start
    assert warning(one, RECEIVED, 1) == "yellow"
    seven = add_working_days(RECEIVED, 7)  # 20% of 7 is 1.4: yellow from 1 day left
    assert remaining(seven, shanghai(2031, 9, 25, 9, 0)) == 2
    assert warning(seven, shanghai(2031, 9, 25, 9, 0), 7) == "ok"


def test_one_read_of_the_exceptions_can_serve_a_whole_page_of_due_dates(calendar, calendar_queries):
    calendar(holiday=[date(2031, 9, 18)])
    exceptions = services.load_exceptions(date(2031, 9, 1), date(2031, 10, 31))
    calendar_queries.clear()
    due = end_of(date(2031, 9, 19))
    assert remaining(due, RECEIVED, exceptions) == 1
    assert warning(due, RECEIVED, 5, exceptions) == "yellow"
    assert calendar_queries == []


@pytest.mark.usefixtures("holiday_week")
def test_the_clock_stands_still_while_material_is_returned_for_correction():
    due = add_working_days(RECEIVED, 5)  # Thursday 2031-09-25
    # returned Wednesday afternoon, back on Monday: Sunday (worked) and Monday pass uncounted
    moved = services.extend_for_pause(due, shanghai(2031, 9, 17, 15, 0), shanghai(2031, 9, 22, 9, 0))
    assert moved == end_of(date(2031, 9, 29))  # Tue, Wed, Thu, Fri, Mon: five counted days after the return


@pytest.mark.usefixtures("holiday_week")
def test_a_pause_over_no_working_day_moves_nothing():
    due = add_working_days(RECEIVED, 5)
    same_day = services.extend_for_pause(due, shanghai(2031, 9, 22, 9, 0), shanghai(2031, 9, 22, 17, 0))
    over_holidays = services.extend_for_pause(due, shanghai(2031, 9, 17, 18, 0), shanghai(2031, 9, 20, 9, 0))
    backwards = services.extend_for_pause(due, shanghai(2031, 9, 23, 9, 0), shanghai(2031, 9, 22, 9, 0))
    assert same_day == over_holidays == backwards == due
