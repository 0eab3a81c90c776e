"""Payments (拨付/支付) of a project and the reconciliation's exceptions (资金对账异常).

A payment is never changed or deleted: a mistake is undone by a reversal, a row of its own with the
negative amount and a reason that points at the payment it reverses (one reversal per payment). Sums
over all rows of a project are therefore its net payments. Money is 万元, Numeric(16, 4).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..files.models import Attachment
from ..orgs.models import Organisation, User
from ..records.models import Contract


class PaymentKind(StrEnum):
    PAYMENT = "payment"
    REVERSAL = "reversal"


class PaymentEntry(StrEnum):
    """How a payment came in."""

    FORM = "form"
    IMPORT = "import"
    API = "api"


class ExceptionRule(StrEnum):
    CONTRACT_OVER = "contract_over"  # paid on a contract beyond its (audited) amount
    SOURCE_OVER = "source_over"  # paid from a funding source beyond what was arranged for it
    INVESTMENT_MISMATCH = "investment_mismatch"  # 累计投资 and the payments differ beyond the tolerance
    NO_CONTRACT = "no_contract"  # a payment that names no contract
    NO_VOUCHER = "no_voucher"  # a payment without its voucher


class Payment(db.Model):
    """One payment of a project, or the reversal of one (kind, negative amount, reason, reverses_id)."""

    __table_args__ = (
        CheckConstraint("(kind = 'payment' AND amount > 0) OR (kind = 'reversal' AND amount < 0)", name="amount_sign"),
        Index("ix_payment_project_paid_on", "project_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    kind: Mapped[str] = mapped_column(String(10), default=PaymentKind.PAYMENT)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    payee: Mapped[str] = mapped_column(String(200))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    # a code of the dictionary kind funding_source (records.fields.SOURCES)
    source: Mapped[str] = mapped_column(String(20))
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    entry: Mapped[str] = mapped_column(String(10), default=PaymentEntry.FORM)
    # a reversal: the payment it undoes (at most one reversal each) and why
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    # on a reversed payment: when its reversal was entered (the ledger leaves it out of its checks)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the organisation that entered it
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract | None] = relationship(foreign_keys=[contract_id])
    voucher: Mapped[Attachment | None] = relationship(foreign_keys=[voucher_id])
    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])


class FundException(db.Model):
    """One finding of the reconciliation, kept until the project's ledger is checked again.

    `figures` holds what the message names: amounts as strings of four decimals, the contract's
    title, the payment's date and payee, so the list needs no other table to say it.
    """

    __table_args__ = (Index("ix_fund_exception_rule_source", "rule", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    source: Mapped[str | None] = mapped_column(String(20))
    contract_id: Mapped[int | None] = mapped_column(Integer)
    payment_id: Mapped[int | None] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
