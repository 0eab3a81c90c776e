"""Calls built through the services: a finance call on the statutory calendar, a clock that can be set, another unit."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from tests.files import samples
from zerolegwork.calls import services
from zerolegwork.extensions import db

# Monday 21 September to Friday 9 October 2026: 中秋节 (25 Sep) and 国庆节 (1–7 Oct) inside, 9 working days
OPENS, CLOSES = date(2026, 9, 21), date(2026, 10, 9)
WINDOW_DAYS = 9


def call_form(**fields: Any) -> MultiDict:
    """A call's form as the page posts it (lists for the multiple choices)."""
    values: dict[str, Any] = {
        "title": "2026年节能减排奖补项目征集",
        "opens_on": OPENS.isoformat(),
        "closes_on": CLOSES.isoformat(),
        "funding_source": "central",
        "fund_name": "中央转移支付节能减排资金",
        "description": "申报范围：节能减排示范项目。",
        "slots": "申报书\n可行性研究报告",
    }
    values.update(fields)
    form = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            form.add(key, item)
    return form


@pytest.fixture
def app(any_app: Any) -> Any:
    """Every calls test on SQLite and on PostgreSQL: the `client` and `login` fixtures follow."""
    return any_app


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Set the Asia/Shanghai date the calls see (the window's checks)."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(services, "today_local", lambda: day)

    set_today(date(2026, 9, 1))
    return set_today


@pytest.fixture
def make_call(people: dict[str, Any], today: Callable[[date], None]) -> Callable[..., Any]:
    """A call of the city's finance bureau (published unless told), through the services."""

    def make(publish: bool = True, user: str = "finance1", **fields: Any) -> Any:
        issuer = people["users"][user]
        call = services.create_call(issuer, call_form(**fields))
        if publish:
            services.publish_call(issuer, call.id)
        db.session.commit()
        return call

    return make


@pytest.fixture
def other_unit(people: dict[str, Any]) -> Any:
    """A second project unit, in 东河区, with one project there."""
    from decimal import Decimal

    from zerolegwork.demo import DEMO_PASSWORD
    from zerolegwork.orgs import services as orgs
    from zerolegwork.orgs.models import OrgKind
    from zerolegwork.projects import services as projects

    regions = orgs.ensure_regions()
    org = orgs.create_org("other_unit_org", "东河区某建设单位", OrgKind.UNIT, regions["东河区"])
    user = orgs.create_user("other_unit", "另一单位经办人", DEMO_PASSWORD, org)
    project = projects.create_project(None, "东河区另一单位节能项目", org.id, "东河区", "城市更新", Decimal("500"))
    db.session.commit()
    return {"user": user, "project": project}


def files_for(call: Any, **overrides: Any) -> dict[str, tuple[str, Any]]:
    """A PDF for each required attachment of a call (override one with None to leave it out)."""
    out: dict[str, tuple[str, Any]] = {}
    for slot in call.slots:
        value = overrides.get(slot["key"], "present")
        if value is not None:
            out[slot["key"]] = (f"{slot['label']}.pdf", io.BytesIO(samples.PDF))
    return out
