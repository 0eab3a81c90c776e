"""The demo's service orders: one per kind, the accepted cost audit on the project under construction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from zerolegwork.extensions import db
from zerolegwork.funds import caps
from zerolegwork.funds import demo as funds_demo
from zerolegwork.orders import demo
from zerolegwork.orders.drive import waiting
from zerolegwork.orders.models import OrderKind, OrderState, ServiceOrder


def test_the_demo_has_one_order_per_kind_and_an_accepted_cost_audit(people: dict[str, Any]) -> None:
    funds_demo.seed()
    demo.seed()
    db.session.commit()
    orders = {o.kind: o for o in db.session.scalars(select(ServiceOrder))}
    assert set(orders) == set(OrderKind)
    audit = orders[OrderKind.COST_AUDIT]
    assert audit.state == OrderState.COMPLETED and audit.project.management_status == "在建"
    (audited,) = caps.audited_amounts([audit.project_id]).values()
    assert audited == Decimal("4600.0000")
    assert orders[OrderKind.PERFORMANCE].state == OrderState.DELIVERED
    assert waiting(orders[OrderKind.PERFORMANCE], "check_delivery").org_code == "finance"
    assert waiting(orders[OrderKind.CONSULTING], "answer_order").org_code == "demo_agency"
    assert orders[OrderKind.SUPERVISION].state == OrderState.DELIVERED
    assert demo.seed() == []  # once
