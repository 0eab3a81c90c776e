"""Payments from the finance system through /api/v1: checked as the form checks them, all or nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from zerolegwork.api import tokens
from zerolegwork.api.models import TokenScope
from zerolegwork.exchange.models import ExchangeMessage, Topic
from zerolegwork.extensions import db
from zerolegwork.funds.models import FundException, Payment


def token(scopes: tuple[str, ...] = (TokenScope.READ, TokenScope.BUDGET_WRITE), org: str = "finance") -> str:
    _row, value = tokens.issue_token(org, "财政一体化", scopes)
    db.session.commit()
    return value


def post(app: Any, project_id: int, body: Any, value: str) -> Any:
    headers = {"Authorization": f"Bearer {value}"}
    return app.test_client().post(f"/api/v1/projects/{project_id}/payments", json=body, headers=headers)


def item(**changes: Any) -> dict[str, Any]:
    row = {"paid_on": "2026-09-01", "amount": "100.5000", "payee": "包头市第一建筑工程有限公司", "source": "central"}
    row.update(changes)
    return row


def paid() -> int:
    return db.session.scalar(select(func.count()).select_from(Payment)) or 0


def test_payments_are_entered_reconciled_and_pushed_back(app, people):
    project = people["projects"][0]
    resp = post(app, project.id, [item(), item(amount="0.0001", note="尾款")], token())
    assert resp.status_code == 201 and resp.json["created"] == 2
    rows = list(db.session.scalars(select(Payment).order_by(Payment.id)))
    assert [format(p.amount, "f") for p in rows] == ["100.5000", "0.0001"] and {p.entry for p in rows} == {"api"}
    # no voucher came with them: the reconciliation flags both
    assert db.session.scalar(select(func.count()).select_from(FundException)) >= 2
    pushed = db.session.scalars(select(ExchangeMessage).where(ExchangeMessage.topic == Topic.PAYMENT_ENTERED))
    assert len(list(pushed)) == 2


def test_one_bad_payment_refuses_the_whole_list_with_reasons_per_item(app, people):
    project = people["projects"][0]
    body = [item(), item(amount="-5"), item(paid_on="2026-13-40", source="没有这种来源"), item(amount=0.1)]
    resp = post(app, project.id, body, token())
    assert resp.status_code == 422 and paid() == 0
    assert set(resp.json["errors"]) == {"1", "2", "3"}
    assert resp.json["error"] == "未录入任何拨付：3 条拨付数据无效，详见 errors。"


def test_hostile_bodies_are_refused_clearly(app, people):
    project = people["projects"][0]
    value = token()
    for body in ({}, [], "x", [1, 2], [item(payee="x" * 5000)]):
        resp = post(app, project.id, body, value)
        assert resp.status_code in (400, 422), body
    assert post(app, project.id, [item()] * 1001, value).status_code == 400
    assert paid() == 0


def test_a_read_only_token_or_an_unseen_project_is_refused(app, people):
    project = people["projects"][0]
    assert post(app, project.id, [item()], token((TokenScope.READ,))).status_code == 403
    district = token((TokenScope.READ, TokenScope.BUDGET_WRITE), org="150202_finance")  # 东河区财政局
    unseen = next(p for p in people["projects"] if p.region.name != "东河区")
    assert post(app, unseen.id, [item()], district).status_code == 404
    assert post(app, 2**40, [item()], token()).status_code == 404
    assert paid() == 0
