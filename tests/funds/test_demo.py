"""The demo's fund ledger: figures that agree, and the one payment still waiting for its voucher."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from zerolegwork.extensions import db
from zerolegwork.funds import demo
from zerolegwork.funds.models import FundException, Payment


def test_the_demo_ledger_is_on_the_project_under_construction_with_one_exception_added_once(client, login, people):
    assert len(demo.seed()) == 4
    db.session.commit()
    assert demo.seed() == []
    assert db.session.scalar(select(func.sum(Payment.amount))) == Decimal("2100.0000")
    (finding,) = db.session.scalars(select(FundException))
    assert finding.rule == "no_voucher" and finding.figures["amount"] == "100.0000"
    login("finance1")
    page = client.get("/funds/exceptions").get_data(as_text=True)
    assert "2026-06-30 支付 包头市路桥建设集团有限公司 100.0000 万元，缺少支付凭证。" in page
    building = next(p for p in people["projects"] if p.management_status == "在建")
    page = client.get(f"/projects/{building.id}/funds").get_data(as_text=True)
    assert page.count('data-testid="payment"') == 4 and "包财建" not in page
    assert page.count('data-testid="fund-source"') == 2
    assert 'data-testid="arranged-total">5,000.0000<' in page and 'data-testid="paid-total">2,100.0000<' in page
