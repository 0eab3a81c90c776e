"""Service orders built through the services on the demo: issue, and drive each step as its people would."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.funds.conftest import (  # noqa: F401  (the funds fixtures: project, contracts, ledger, second unit)
    arrange,
    contract,
    other_unit,
    pay,
    project,
)
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.orders import demo, reports, services
from zerolegwork.orders.drive import finish, waiting
from zerolegwork.orders.models import ServiceOrder

PDF = demo.PDF
TODAY = date(2026, 9, 30)


@pytest.fixture
def app(any_app: Any) -> Any:
    """Every order test on SQLite and on PostgreSQL: the `client` and `login` fixtures follow."""
    return any_app


@pytest.fixture(autouse=True)
def app_first(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app's context open before the demo is seeded; a fixed Asia/Shanghai date for due dates."""
    monkeypatch.setattr(services, "today_local", lambda: TODAY)
    return app


@pytest.fixture
def evaluator(people: dict[str, Any]) -> Any:
    org = demo.ensure_evaluator()
    db.session.commit()
    return org


def order_form(kind: str, agency: Any, **changes: str) -> dict[str, str]:
    return {"kind": kind, "agency_id": str(agency.id), "scope": "按合同约定开展服务", "due_on": "2026-10-30", **changes}


@pytest.fixture
def issue(people: dict[str, Any], project: Any) -> Callable[..., ServiceOrder]:  # noqa: F811 - the fixture
    def do(kind: str, agency: Any = None, by: str = "unit1", target: Any = None) -> ServiceOrder:
        agency = agency or people["users"]["agency1"].org
        order = services.issue_order(people["users"][by], (target or project).id, order_form(kind, agency))
        db.session.commit()
        return order

    return do


def step(order: ServiceOrder, name: str, answers: dict[str, Any]) -> None:
    finish(order, name, answers)
    db.session.commit()
    db.session.refresh(order)


def upload(order: ServiceOrder, user: Any, name: str = "report.pdf") -> Any:
    row = files.upload(user, order.project_id, reports.slot_for(order.id), name, io.BytesIO(PDF + name.encode()))
    db.session.commit()
    return row


__all__ = ["order_form", "step", "upload", "waiting"]
