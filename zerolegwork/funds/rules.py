"""The reconciliation rules (资金对账) as pure functions of a project's figures, and what each finding says.

Every figure is an exact Decimal (万元, four places); the rules compare sums, never rounded values.
A project's rules apply once it has a ledger (at least one payment, reversed or not): before that it
has no payments to reconcile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from .models import ExceptionRule

FOUR = Decimal("0.0001")
HUNDRED = Decimal(100)


def money(value: Decimal) -> str:
    """An amount as the findings write it: four decimals, no float on the way."""
    return str(Decimal(value).quantize(FOUR))


def percent_text(value: Decimal) -> str:
    """A percentage as typed: 10, 2.5 (never 1E+1)."""
    return format(Decimal(value).normalize(), "f")


@dataclass(frozen=True)
class ContractFigures:
    id: int
    title: str
    amount: Decimal
    paid: Decimal
    audited: Decimal | None = None  # the cost-audited amount (funds.caps), when there is one

    @property
    def cap(self) -> Decimal:
        return self.audited if self.audited is not None else self.amount


@dataclass(frozen=True)
class FlaggedPayment:
    """A payment still in force that names no contract, or has no voucher."""

    id: int
    paid_on: date
    amount: Decimal
    payee: str
    source: str
    has_contract: bool
    has_voucher: bool


@dataclass
class Ledger:
    """What the rules read of one project."""

    cumulative_investment: Decimal
    tolerance_percent: Decimal
    contracts: list[ContractFigures] = field(default_factory=list)
    arranged: dict[str, Decimal] = field(default_factory=dict)  # funding source -> arranged
    paid_by_source: dict[str, Decimal] = field(default_factory=dict)
    flagged: list[FlaggedPayment] = field(default_factory=list)
    rows: int = 0  # the ledger's rows, payments and reversals

    @property
    def has_payments(self) -> bool:
        return self.rows > 0

    @property
    def paid_total(self) -> Decimal:
        return sum(self.paid_by_source.values(), Decimal(0))


@dataclass(frozen=True)
class Finding:
    rule: str
    figures: dict[str, Any]
    source: str | None = None
    contract_id: int | None = None
    payment_id: int | None = None


def contract_over(ledger: Ledger) -> list[Finding]:
    """Payments on a contract never exceed its amount, or its cost-audited amount when there is one."""
    out = []
    for c in ledger.contracts:
        if c.paid > c.cap:
            figures = {
                "title": c.title,
                "amount": money(c.amount),
                "paid": money(c.paid),
                "excess": money(c.paid - c.cap),
            }
            if c.audited is not None:
                figures["audited"] = money(c.audited)
            out.append(Finding(ExceptionRule.CONTRACT_OVER, figures, contract_id=c.id))
    return out


def source_over(ledger: Ledger) -> list[Finding]:
    """Payments from a funding source never exceed what its budget arrangements gave it."""
    out = []
    for source, paid in sorted(ledger.paid_by_source.items()):
        arranged = ledger.arranged.get(source, Decimal(0))
        if paid > arranged:
            figures = {"arranged": money(arranged), "paid": money(paid), "excess": money(paid - arranged)}
            out.append(Finding(ExceptionRule.SOURCE_OVER, figures, source=source))
    return out


def investment_mismatch(ledger: Ledger) -> list[Finding]:
    """累计投资 and the sum of payments differ by at most the tolerance (a percentage of 累计投资)."""
    cumulative, paid = ledger.cumulative_investment, ledger.paid_total
    allowed = cumulative * ledger.tolerance_percent / HUNDRED
    difference = abs(cumulative - paid)
    if difference <= allowed:
        return []
    figures = {
        "cumulative": money(cumulative),
        "paid": money(paid),
        "difference": money(difference),
        "tolerance": percent_text(ledger.tolerance_percent),
        "allowed": money(allowed),
    }
    return [Finding(ExceptionRule.INVESTMENT_MISMATCH, figures)]


def unlinked(ledger: Ledger) -> list[Finding]:
    """A payment without a contract, or without a voucher, is flagged (one finding each)."""
    out = []
    for p in ledger.flagged:
        figures = {"paid_on": p.paid_on.isoformat(), "amount": money(p.amount), "payee": p.payee}
        if not p.has_contract:
            out.append(Finding(ExceptionRule.NO_CONTRACT, figures, source=p.source, payment_id=p.id))
        if not p.has_voucher:
            out.append(Finding(ExceptionRule.NO_VOUCHER, figures, source=p.source, payment_id=p.id))
    return out


def check(ledger: Ledger) -> list[Finding]:
    """Every rule's findings for one project, in the rules' order."""
    if not ledger.has_payments:
        return []
    return contract_over(ledger) + source_over(ledger) + investment_mismatch(ledger) + unlinked(ledger)


def rule_label(rule: str) -> str:
    """A rule's short name in the user's language."""
    return {
        ExceptionRule.CONTRACT_OVER: _("Paid beyond the contract"),
        ExceptionRule.SOURCE_OVER: _("Paid beyond the arranged funds"),
        ExceptionRule.INVESTMENT_MISMATCH: _("Cumulative investment and payments disagree"),
        ExceptionRule.NO_CONTRACT: _("Payment without a contract"),
        ExceptionRule.NO_VOUCHER: _("Payment without a voucher"),
    }.get(rule, rule)


def describe(rule: str, figures: Mapping[str, Any], source_labels: Mapping[str, str], source: str | None = None) -> str:
    """What a finding says, naming its figures and records (translated)."""
    f = dict(figures)
    if rule == ExceptionRule.CONTRACT_OVER and "audited" in f:
        return _(
            "Contract %(title)s: audited amount %(audited)s (contract %(amount)s) 10k yuan, paid %(paid)s, "
            "%(excess)s beyond it.",
            **f,
        )
    if rule == ExceptionRule.CONTRACT_OVER:
        return _("Contract %(title)s: amount %(amount)s 10k yuan, paid %(paid)s, %(excess)s beyond it.", **f)
    if rule == ExceptionRule.SOURCE_OVER:
        label = source_labels.get(source or "", source or "")
        return _(
            "Funding source %(source)s: arranged %(arranged)s 10k yuan, paid %(paid)s, %(excess)s beyond it.",
            source=label,
            **f,
        )
    if rule == ExceptionRule.INVESTMENT_MISMATCH:
        return _(
            "Cumulative investment %(cumulative)s 10k yuan, payments %(paid)s: they differ by %(difference)s, "
            "more than the %(tolerance)s%% allowed (%(allowed)s).",
            **f,
        )
    if rule == ExceptionRule.NO_CONTRACT:
        return _("Payment of %(amount)s 10k yuan on %(paid_on)s to %(payee)s names no contract.", **f)
    if rule == ExceptionRule.NO_VOUCHER:
        return _("Payment of %(amount)s 10k yuan on %(paid_on)s to %(payee)s has no voucher.", **f)
    return rule
