"""What the project's fund page shows (资金): sources, contracts, a page of payments, the findings.

Read in a fixed number of statements whatever the number of payments: the project, three grouped
sums (contracts with their payments, arrangements by source, payments by source with the ledger's
row count), one page of payments with their voucher, contract and author, and the findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..dictionaries import services as dictionaries
from ..extensions import db
from ..orgs.models import User
from ..projects.services import get_visible_project
from . import rules
from .models import FundException, Payment
from .reconcile import ledger_of
from .services import may_enter

PER_PAGE = 20
MAX_FINDINGS = 200
ZERO = Decimal("0.0000")


@dataclass(frozen=True)
class SourceRow:
    code: str
    name: str
    arranged: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.arranged - self.paid


@dataclass(frozen=True)
class FindingRow:
    rule: str
    label: str
    text: str
    contract_id: int | None
    payment_id: int | None


def findings_of(rows: list[FundException], labels: dict[str, str]) -> list[FindingRow]:
    """Stored findings as the pages show them: the rule's name and the sentence naming the figures."""
    return [
        FindingRow(
            r.rule,
            rules.rule_label(r.rule),
            rules.describe(r.rule, r.figures, labels, r.source),
            r.contract_id,
            r.payment_id,
        )
        for r in rows
    ]


def fund_page(user: User, project_id: int, page: int = 1) -> dict[str, Any]:
    """Everything the fund page shows, for a user who sees the project (ProjectNotFoundError otherwise)."""
    project = get_visible_project(user, project_id)
    ledger = ledger_of(project, with_flags=False)
    labels = dictionaries.labels("funding_source")
    codes = [c for c in labels if c in ledger.arranged or c in ledger.paid_by_source]
    codes += sorted((set(ledger.arranged) | set(ledger.paid_by_source)) - set(labels))  # codes no entry names
    sources = [
        SourceRow(c, labels.get(c, c), ledger.arranged.get(c, ZERO), ledger.paid_by_source.get(c, ZERO)) for c in codes
    ]
    payments = list(
        db.session.scalars(
            select(Payment)
            .options(
                joinedload(Payment.voucher),
                joinedload(Payment.contract),
                joinedload(Payment.created_by),
                joinedload(Payment.org),
            )
            .where(Payment.project_id == project.id)
            .order_by(Payment.paid_on.desc(), Payment.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    stored = list(
        db.session.scalars(
            select(FundException)
            .where(FundException.project_id == project.id)
            .order_by(FundException.id)
            .limit(MAX_FINDINGS + 1)
        )
    )
    return {
        "project": project,
        "sources": sources,
        "contracts": ledger.contracts,
        "arranged_total": sum((s.arranged for s in sources), ZERO),
        "paid_total": ledger.paid_total,
        "cumulative": ledger.cumulative_investment,
        "tolerance": rules.percent_text(ledger.tolerance_percent),
        "payments": payments,
        "payment_total": ledger.rows,
        "page": page,
        "per_page": PER_PAGE,
        "findings": findings_of(stored[:MAX_FINDINGS], labels),
        "more_findings": len(stored) > MAX_FINDINGS,
        "may_enter": may_enter(user, project),
        "labels": labels,
    }
