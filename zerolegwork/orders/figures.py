"""What accepted deliveries fix: a cost audit's 审定金额 per contract, read by the project page, the PDF and funds."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..records.models import Contract
from .models import DeliveryState, OrderContractFigure, OrderDelivery, OrderKind, ServiceOrder


def audited_amounts(project_ids: Iterable[int]) -> dict[int, Decimal]:
    """Contract id -> 审定金额 (万元) of the newest accepted cost audit naming it, for these projects; one statement."""
    ids = sorted({int(i) for i in project_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        select(OrderContractFigure.contract_id, OrderContractFigure.audited)
        .join(OrderDelivery, OrderDelivery.id == OrderContractFigure.delivery_id)
        .join(ServiceOrder, ServiceOrder.id == OrderDelivery.order_id)
        .where(
            ServiceOrder.project_id.in_(ids),
            ServiceOrder.kind == OrderKind.COST_AUDIT,
            OrderDelivery.state == DeliveryState.ACCEPTED,
        )
        .order_by(OrderDelivery.decided_at, OrderDelivery.id)
    ).all()
    return {contract_id: Decimal(audited) for contract_id, audited in rows}  # the newest acceptance wins


def contracts_of(project_id: int) -> list[Contract]:
    """The project's filed contracts in signing order (what a cost audit's figures may name)."""
    return list(
        db.session.scalars(
            select(Contract).where(Contract.project_id == project_id).order_by(Contract.signed_on, Contract.id)
        )
    )
