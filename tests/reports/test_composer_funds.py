"""The fund measures of the self-composed reports: 已安排资金, 已拨付金额 (net of reversals), 拨付进度%.

On the composer's five projects (tests/reports/composer_support.py): P1 (current plan central 6000, city 4000,
bonds 2800) gets arrangements central 3000 and city 1000, payments central 1200 and city 300 and a reversal of
a central 200 payment; P3 (no plan) gets an arrangement city 500 and a payment city 100.
Totals: arranged 4500, paid 1200 + 300 + 200 − 200 + 100 = 1600, 拨付进度 1600 / 4500 = 35.6 → 36%.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.files import samples
from tests.reports.composer_support import build_world, tick, user
from zerolegwork.api.models import BudgetArrangement
from zerolegwork.extensions import db
from zerolegwork.funds import services as funds
from zerolegwork.reports.composer.services import build

D = Decimal
FUNDS = ["arranged_amount", "paid_amount", "payment_pct"]


@pytest.fixture
def world(app: Any, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(funds, "today_local", lambda: date(2026, 9, 30))
    found = build_world(people)
    p1, p3 = found["projects"]["P1"], found["projects"]["P3"]
    unit = found["users"]["unit1"]
    for project, source, amount, number in (
        (p1, "central", "3000", 1),
        (p1, "city", "1000", 2),
        (p3, "city", "500", 3),
    ):
        db.session.add(
            BudgetArrangement(
                project_id=project.id,
                year=2026,
                amount=D(amount),
                source=source,
                document_no=f"包财建〔2026〕{number}号",
                arranged_on=date(2026, 3, 1),
            )
        )
    db.session.commit()
    found["moments"]["arranged"] = tick()

    def pay(project: Any, source: str, amount: str) -> Any:
        form = {"paid_on": "2026-09-01", "amount": amount, "payee": "某建设公司", "source": source}
        made = funds.record_payment(unit, project.id, form, ("凭证.pdf", io.BytesIO(samples.PDF)))
        db.session.commit()
        return made

    pay(p1, "central", "1200")
    pay(p1, "city", "300")
    wrong = pay(p1, "central", "200")
    funds.reverse_payment(unit, wrong.id, "重复录入")
    db.session.commit()
    pay(p3, "city", "100")
    return found


def rows_of(dims: list[str], measures: list[str], as_of: Any = None) -> dict[tuple, dict]:
    table = build(user("finance1"), {"dims": dims, "measures": measures}, as_of)
    return {tuple(table.cells(r)): dict(zip(table.definition.measures, r.values, strict=True)) for r in table.rows}


def test_the_fund_measures_are_the_hand_worked_numbers_by_region(world):
    rows = rows_of(["region"], FUNDS)
    assert rows[("合计",)] == {"arranged_amount": D("4500.0000"), "paid_amount": D("1600.0000"), "payment_pct": 36}
    assert rows[("昆区",)] == {"arranged_amount": D("4000.0000"), "paid_amount": D("1500.0000"), "payment_pct": 38}
    assert rows[("东河区",)]["paid_amount"] == D("100.0000") and rows[("东河区",)]["payment_pct"] == 20
    assert rows[("青山区",)] == {"arranged_amount": D("0.0000"), "paid_amount": D("0.0000"), "payment_pct": None}


def test_by_funding_source_each_line_meets_its_own_sources_money(world):
    rows = rows_of(["funding_source"], ["project_count", *FUNDS])
    assert rows[("中央转移支付",)] == {
        "project_count": 2,
        "arranged_amount": D("3000.0000"),
        "paid_amount": D("1200.0000"),
        "payment_pct": 40,
    }
    assert rows[("市级资金",)]["paid_amount"] == D("300.0000") and rows[("市级资金",)]["payment_pct"] == 30
    # P3 has no investment plan, so no funding line to meet its money: it shows by region only
    assert rows[("（未填）",)]["paid_amount"] == D("0.0000")


def test_the_fund_measures_join_the_other_eleven_in_one_report(world):
    from tests.reports.test_composer import PROJECT_MEASURES

    measures = [m for m in PROJECT_MEASURES if m not in FUNDS][:9] + FUNDS
    assert len(measures) == 12
    rows = rows_of(["region", "category"], measures)
    total = next(v for k, v in rows.items() if k[0] == "合计")
    assert total["paid_amount"] == D("1600.0000") and total["project_count"] == 5


def test_as_of_leaves_out_payments_entered_later(world):
    rows = rows_of(["region"], FUNDS, world["moments"]["arranged"])
    assert rows[("合计",)] == {"arranged_amount": D("4500.0000"), "paid_amount": D("0.0000"), "payment_pct": 0}
