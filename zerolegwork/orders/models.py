"""Service orders (第三方服务委托): consulting, supervision, cost audit and performance evaluation by agencies.

One model for the four kinds: an issuer (the project's unit or a department) orders a service from an
agency qualified for it; the agency accepts or declines, delivers (a report and the kind's figures),
and the issuer accepts the delivery or returns it with a reason, until one delivery is accepted.
Each order runs its own instance of `order_<kind>` (bpmn/order_<kind>.bpmn).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation, User
from ..projects.models import Project

MONEY = Numeric(16, 4)


class OrderKind(StrEnum):
    CONSULTING = "consulting"  # 项目咨询
    SUPERVISION = "supervision"  # 项目监理
    COST_AUDIT = "cost_audit"  # 工程审价
    PERFORMANCE = "performance"  # 第三方绩效评价


class OrderState(StrEnum):
    ISSUED = "issued"  # waiting for the agency to accept or decline
    ACCEPTED = "accepted"  # the agency accepted and works on it
    DECLINED = "declined"  # the agency declined: the order ends
    DELIVERED = "delivered"  # a delivery waits for the issuer's check
    RETURNED = "returned"  # the issuer returned the delivery: the agency delivers again
    COMPLETED = "completed"  # the issuer accepted a delivery: the order ends


class DeliveryState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ServiceOrder(db.Model):
    """One order of a third-party service on a project, with its process instance."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    scope: Mapped[str] = mapped_column(String(4000))
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default=OrderState.ISSUED, index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(foreign_keys=[project_id])
    issuer: Mapped[Organisation] = relationship(foreign_keys=[issuer_id])
    agency: Mapped[Organisation] = relationship(foreign_keys=[agency_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class OrderDelivery(db.Model):
    """One delivery of an order: the report file, the kind's figures, and the issuer's decision on it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_order.id"), index=True)
    round_no: Mapped[int] = mapped_column(Integer)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    # consulting: conclusion; supervision: findings; performance and cost audit: the report's summary
    conclusion: Mapped[str] = mapped_column(String(5000))
    # supervision: period_from / period_to; performance: score (exact string) and grade
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    project_submitted: Mapped[Decimal | None] = mapped_column(MONEY)  # cost audit: 送审金额 of the project
    project_audited: Mapped[Decimal | None] = mapped_column(MONEY)  # cost audit: 审定金额 of the project
    state: Mapped[str] = mapped_column(String(20), default=DeliveryState.PENDING, index=True)
    reason: Mapped[str | None] = mapped_column(String(2000))  # the issuer's return reason or acceptance note
    delivered_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delivered_by: Mapped[User] = relationship(foreign_keys=[delivered_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    contracts: Mapped[list[OrderContractFigure]] = relationship(
        order_by="OrderContractFigure.id", cascade="all, delete-orphan"
    )


class OrderContractFigure(db.Model):
    """A cost audit's figures for one contract of the project: 送审金额 and 审定金额 (万元)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("order_delivery.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    submitted: Mapped[Decimal] = mapped_column(MONEY)
    audited: Mapped[Decimal] = mapped_column(MONEY)


__all__ = ["DeliveryState", "OrderContractFigure", "OrderDelivery", "OrderKind", "OrderState", "ServiceOrder"]
