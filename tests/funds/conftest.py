"""The fund ledger built through the services: a demo project with contracts, arrangements and payments."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.files import samples
from zerolegwork.api.models import BudgetArrangement
from zerolegwork.extensions import db
from zerolegwork.funds import reconcile, services
from zerolegwork.records import services as records

TODAY = date(2026, 9, 30)


@pytest.fixture
def app(any_app: Any) -> Any:
    """Every funds test on SQLite and on PostgreSQL: the `client` and `login` fixtures follow."""
    return any_app


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed Asia/Shanghai date for payment dates and reversals."""
    monkeypatch.setattr(services, "today_local", lambda: TODAY)


@pytest.fixture
def project(app: Any, people: dict[str, Any]) -> Any:
    """The demo unit's first project (昆区), which the city's finance bureau sees."""
    return people["projects"][0]


@pytest.fixture
def contract(project: Any, people: dict[str, Any]) -> Callable[..., Any]:
    """File a contract of the project through the records service (as the contract form does)."""

    def make(title: str = "HT-2026-01", amount: str = "120.0000", target: Any = None) -> Any:
        answers = {
            "title": title,
            "contract_type": "施工",
            "party_a": "包头市城市建设投资有限公司",
            "party_b": "包头市第一建筑工程有限公司",
            "amount": amount,
            "signed_on": "2026-03-01",
            "start_on": "2026-03-10",
            "end_on": "2027-06-30",
        }
        row = records.write("contract", (target or project).id, answers, people["users"]["unit1"].id, None)
        db.session.commit()
        return row

    return make


@pytest.fixture
def arrange(project: Any) -> Callable[..., Any]:
    """A budget arrangement of the finance system for the project (as /api/v1 keeps it), reconciled."""
    count = {"n": 0}

    def make(amount: str, source: str = "central", target: Any = None) -> Any:
        count["n"] += 1
        row = BudgetArrangement(
            project_id=(target or project).id,
            year=2026,
            amount=Decimal(amount),
            source=source,
            document_no=f"包财建〔2026〕{count['n']}号",
            arranged_on=date(2026, 2, 1),
        )
        db.session.add(row)
        reconcile.refresh(target or project)
        db.session.commit()
        return row

    return make


@pytest.fixture
def pay(project: Any, people: dict[str, Any]) -> Callable[..., Any]:
    """Enter a payment through the service as `user` (the unit by default)."""

    def make(
        amount: str = "10.0000", user: str = "unit1", voucher: bool = True, target: Any = None, **fields: Any
    ) -> Any:
        form = {"paid_on": "2026-09-01", "amount": amount, "payee": "包头市第一建筑工程有限公司", "source": "central"}
        form.update(fields)
        upload = ("凭证.pdf", io.BytesIO(samples.PDF)) if voucher else None
        payment = services.record_payment(people["users"][user], (target or project).id, form, upload)
        db.session.commit()
        return payment

    return make


@pytest.fixture
def other_unit(people: dict[str, Any]) -> Any:
    """A second project unit, in 东河区, with one project there."""
    from zerolegwork.demo import DEMO_PASSWORD
    from zerolegwork.orgs import services as orgs
    from zerolegwork.orgs.models import OrgKind
    from zerolegwork.projects import services as projects

    regions = orgs.ensure_regions()
    org = orgs.create_org("other_unit_org", "东河区某建设单位", OrgKind.UNIT, regions["东河区"])
    user = orgs.create_user("other_unit", "另一单位经办人", DEMO_PASSWORD, org)
    other = projects.create_project(None, "东河区另一单位节能项目", org.id, "东河区", "城市更新", Decimal("500"))
    db.session.commit()
    return {"user": user, "project": other}
