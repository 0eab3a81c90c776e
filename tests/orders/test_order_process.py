"""Each kind of service order runs end to end through the engine via the inbox services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.orders.conftest import step, upload, waiting
from zerolegwork.engine.forms import FormValidationError
from zerolegwork.extensions import db
from zerolegwork.orders.models import DeliveryState, OrderDelivery, OrderKind, OrderState
from zerolegwork.orgs.models import User
from zerolegwork.projects.models import Engagement

DELIVERIES = {
    OrderKind.CONSULTING: ({"conclusion": "方案可行"}, {"conclusion": "方案可行，补充了投资估算"}),
    OrderKind.SUPERVISION: (
        {"period_from": "2026-09-01", "period_to": "2026-09-30", "findings": "压实度合格"},
        {"period_from": "2026-09-01", "period_to": "2026-09-30", "findings": "压实度合格，附检测记录"},
    ),
    OrderKind.PERFORMANCE: (
        {"score": "80.50", "grade": "good", "conclusion": "良好"},
        {"score": "86.00", "grade": "good", "conclusion": "良好，补充了满意度调查"},
    ),
}


@pytest.mark.parametrize("kind", [*DELIVERIES, OrderKind.COST_AUDIT])
def test_each_kind_runs_issue_accept_deliver_return_deliver_accept(
    kind: str, people: dict[str, Any], issue: Any, evaluator: Any, contract: Any
) -> None:
    agency = evaluator if kind == OrderKind.PERFORMANCE else people["users"]["agency1"].org
    agent = db.session.scalars(select(User).where(User.org_id == agency.id)).first()
    if kind == OrderKind.COST_AUDIT:
        filed = contract(amount="120.0000")
        first, second = (
            {
                "project_submitted": "120",
                "project_audited": audited,
                "contracts": [{"contract_id": str(filed.id), "submitted": "120", "audited": audited}],
                "conclusion": "审定",
            }
            for audited in ("110.5", "108.1234")
        )
    else:
        first, second = DELIVERIES[kind]
    order = issue(kind, agency)
    assert order.state == OrderState.ISSUED and waiting(order, "answer_order").org_code == agency.code
    step(order, "answer_order", {"decision": "accept"})
    assert order.state == OrderState.ACCEPTED
    assert db.session.scalar(
        select(Engagement.id).where(Engagement.agency_id == agency.id, Engagement.service_type == kind)
    )
    upload(order, agent, "first.pdf")
    step(order, "deliver", first)
    assert order.state == OrderState.DELIVERED and waiting(order, "check_delivery").org_code == "demo_unit"
    step(order, "check_delivery", {"decision": "return", "opinion": "请补充依据"})
    assert order.state == OrderState.RETURNED and waiting(order, "deliver") is not None
    upload(order, agent, "second.pdf")
    step(order, "deliver", second)
    step(order, "check_delivery", {"decision": "accept", "opinion": ""})
    assert order.state == OrderState.COMPLETED and order.closed_at is not None
    rows = list(
        db.session.scalars(select(OrderDelivery).where(OrderDelivery.order_id == order.id).order_by(OrderDelivery.id))
    )
    assert [(d.round_no, d.state) for d in rows] == [(1, DeliveryState.RETURNED), (2, DeliveryState.ACCEPTED)]
    assert rows[0].reason == "请补充依据" and rows[0].attachment_id != rows[1].attachment_id
    if kind == OrderKind.COST_AUDIT:
        assert rows[1].project_audited == Decimal("108.1234")
        assert rows[1].contracts[0].audited == Decimal("108.1234")
    if kind == OrderKind.PERFORMANCE:
        assert rows[1].figures == {"score": "86.00", "grade": "good"}


def test_a_declined_order_ends_with_the_reason_and_engages_nobody(people: dict[str, Any], issue: Any) -> None:
    order = issue(OrderKind.CONSULTING)
    with pytest.raises(FormValidationError) as refused:
        step(order, "answer_order", {"decision": "decline", "opinion": ""})
    assert "opinion" in refused.value.errors
    db.session.rollback()
    step(order, "answer_order", {"decision": "decline", "opinion": "本月人手不足"})
    assert order.state == OrderState.DECLINED and order.decline_reason == "本月人手不足"
    assert waiting(order, "deliver") is None
    engaged = select(Engagement.id).where(
        Engagement.project_id == order.project_id, Engagement.service_type == "consulting"
    )
    assert db.session.scalar(engaged) is None


def test_a_delivery_without_a_new_report_is_refused(people: dict[str, Any], issue: Any) -> None:
    order = issue(OrderKind.CONSULTING)
    step(order, "answer_order", {"decision": "accept"})
    with pytest.raises(FormValidationError) as refused:
        step(order, "deliver", {"conclusion": "可行"})
    assert "_form" in refused.value.errors
    db.session.rollback()
    upload(order, people["users"]["agency1"])
    step(order, "deliver", {"conclusion": "可行"})
    step(order, "check_delivery", {"decision": "return", "opinion": "不完整"})
    with pytest.raises(FormValidationError):  # the returned report cannot be delivered again as it is
        step(order, "deliver", {"conclusion": "可行"})
