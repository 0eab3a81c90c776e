"""Calendar fixtures: rows of our own, the platform's people, and the page wired in (until web.py has it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from zerolegwork.extensions import db
from zerolegwork.i18n import SHANGHAI
from zerolegwork.workdays.models import CalendarDay


def shanghai(*parts: int) -> datetime:
    """An instant given in Asia/Shanghai wall-clock time, as aware UTC."""
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(UTC)  # type: ignore[misc]


def end_of(day: date) -> datetime:
    """23:59:59.999 Asia/Shanghai of a date, as aware UTC: when a limit ending that day runs out."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999000, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def calendar(any_app: Flask) -> Callable[..., None]:
    """Put exceptions straight into the calendar: calendar(holiday=[...], workday=[...])."""

    def put(holiday: tuple[date, ...] | list[date] = (), workday: tuple[date, ...] | list[date] = ()) -> None:
        db.session.add_all(CalendarDay(day=d, kind="holiday", name="测试假日") for d in holiday)
        db.session.add_all(CalendarDay(day=d, kind="workday", name="测试调休") for d in workday)
        db.session.commit()

    return put


# the holiday week the clock tests use: Thursday and Friday off, Sunday worked in exchange
HOLIDAYS = (date(2031, 9, 18), date(2031, 9, 19))
SUNDAY_WORKED = date(2031, 9, 21)


@pytest.fixture
def holiday_week(calendar: Callable[..., None]) -> None:
    calendar(holiday=HOLIDAYS, workday=[SUNDAY_WORKED])


@pytest.fixture
def staff(any_app: Flask) -> dict[str, Any]:
    """The demo accounts (the platform administrator `admin`, departments …), by user name."""
    from sqlalchemy import select

    from zerolegwork import demo
    from zerolegwork.orgs.models import User

    demo.seed()
    from sqlalchemy import delete

    from zerolegwork.workdays.models import CalendarDay

    db.session.execute(delete(CalendarDay))  # the demo loads the 2026 notice; these tests set their own days
    db.session.commit()
    return {u.username: u for u in db.session.scalars(select(User))}


@pytest.fixture
def calendar_web(any_app: Flask) -> Flask:
    """The app; the calendar page is registered by web.py and guarded by permissions.POLICY."""
    return any_app


@pytest.fixture
def web_client(calendar_web: Flask, staff: dict[str, Any]) -> FlaskClient:
    return calendar_web.test_client()


@pytest.fixture
def sign_in(web_client: FlaskClient) -> Callable[[str], Any]:
    from zerolegwork.demo import DEMO_PASSWORD

    def do(username: str) -> Any:
        web_client.post("/logout")
        return web_client.post("/login", data={"username": username, "password": DEMO_PASSWORD})

    return do
