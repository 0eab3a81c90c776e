"""A project's ledger read in a fixed number of statements, and its reconciliation kept up to date.

`refresh(project)` runs on every change of what the rules read — a payment entered, imported or
reversed, a voucher attached or withdrawn, a contract filed, a budget arrangement imported, a
progress report moving 累计投资 — in the same transaction as the change: it reads the ledger
(five statements, the contracts' cost-audited amounts among them; one for a project without payments),
replaces the project's findings (a DELETE and one INSERT) and nothing else.
The arranged amount of a funding source is the sum of the project's budget arrangements
(api.models.BudgetArrangement, imported by the finance system through /api/v1) for that source.
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from sqlalchemy import case, delete, func, insert, select

from ..api.models import BudgetArrangement
from ..db import utcnow
from ..extensions import db
from ..files.models import Attachment
from ..projects.models import Project
from ..records.models import Contract
from . import caps, rules
from .models import FundException, Payment, PaymentKind


def tolerance() -> Decimal:
    """ZLW_FUND_TOLERANCE_PERCENT: how far 累计投资 and the payments may differ, in % of 累计投资."""
    return Decimal(str(current_app.config["ZLW"].fund_tolerance_percent))


def contract_figures(project_id: int) -> list[rules.ContractFigures]:
    """The project's filed contracts with what was paid on each (net of reversals), one statement."""
    paid = func.coalesce(func.sum(Payment.amount), 0)
    rows = db.session.execute(
        select(Contract.id, Contract.title, Contract.amount, paid)
        .outerjoin(Payment, Payment.contract_id == Contract.id)
        .where(Contract.project_id == project_id)
        .group_by(Contract.id, Contract.title, Contract.amount)
        .order_by(Contract.signed_on, Contract.id)
    ).all()
    audited = caps.audited_amounts([project_id]) if rows else {}
    return [rules.ContractFigures(i, t, Decimal(a), Decimal(p), audited.get(i)) for i, t, a, p in rows]


def arranged_by_source(project_id: int) -> dict[str, Decimal]:
    """Funding source -> the sum of the project's budget arrangements for it, one statement."""
    rows = db.session.execute(
        select(BudgetArrangement.source, func.sum(BudgetArrangement.amount))
        .where(BudgetArrangement.project_id == project_id)
        .group_by(BudgetArrangement.source)
    ).all()
    return {s: Decimal(a) for s, a in rows}


def paid_by_source(project_id: int) -> tuple[dict[str, Decimal], int]:
    """Funding source -> net payments from it, and how many ledger rows the project has; one statement."""
    rows = db.session.execute(
        select(Payment.source, func.sum(Payment.amount), func.count(Payment.id))
        .where(Payment.project_id == project_id)
        .group_by(Payment.source)
    ).all()
    return {s: Decimal(a) for s, a, _n in rows}, sum(n for _s, _a, n in rows)


def flagged_payments(project_id: int) -> list[rules.FlaggedPayment]:
    """Payments in force that name no contract or have no voucher (none, or withdrawn); one statement."""
    has_voucher = case((Attachment.id.is_(None), False), (Attachment.withdrawn_at.is_not(None), False), else_=True)
    rows = db.session.execute(
        select(
            Payment.id,
            Payment.paid_on,
            Payment.amount,
            Payment.payee,
            Payment.source,
            Payment.contract_id,
            has_voucher,
        )
        .outerjoin(Attachment, Attachment.id == Payment.voucher_id)
        .where(
            Payment.project_id == project_id,
            Payment.kind == PaymentKind.PAYMENT,
            Payment.reversed_at.is_(None),
            (Payment.contract_id.is_(None)) | (Attachment.id.is_(None)) | (Attachment.withdrawn_at.is_not(None)),
        )
        .order_by(Payment.paid_on, Payment.id)
    ).all()
    return [rules.FlaggedPayment(i, d, Decimal(a), p, s, c is not None, bool(v)) for i, d, a, p, s, c, v in rows]


def ledger_of(
    project: Project, with_flags: bool = True, paid: tuple[dict[str, Decimal], int] | None = None
) -> rules.Ledger:
    """Everything the rules read of one project (three statements, four with the flagged payments)."""
    by_source, count = paid if paid is not None else paid_by_source(project.id)
    return rules.Ledger(
        cumulative_investment=Decimal(project.cumulative_investment or 0),
        tolerance_percent=tolerance(),
        contracts=contract_figures(project.id),
        arranged=arranged_by_source(project.id),
        paid_by_source=by_source,
        flagged=flagged_payments(project.id) if with_flags and count else [],
        rows=count,
    )


def refresh(project: Project) -> list[rules.Finding]:
    """Check the project's ledger again and keep its findings (flush only); returns them.

    A project that never had a payment has nothing to reconcile and no findings: one statement.
    """
    db.session.flush()
    paid = paid_by_source(project.id)
    if not paid[1]:
        return []
    findings = rules.check(ledger_of(project, paid=paid))
    db.session.execute(delete(FundException).where(FundException.project_id == project.id))
    if findings:
        now = utcnow()
        db.session.execute(
            insert(FundException.__table__),  # Core: one INSERT whatever columns a finding leaves empty
            [
                {
                    "project_id": project.id,
                    "rule": str(f.rule),
                    "source": f.source,
                    "contract_id": f.contract_id,
                    "payment_id": f.payment_id,
                    "figures": f.figures,
                    "detected_at": now,
                }
                for f in findings
            ],
        )
    return findings


def refresh_projects(project_ids: set[int]) -> None:
    """Refresh several projects (a budget arrangement import names many); one project read."""
    if not project_ids:
        return
    for project in db.session.scalars(select(Project).where(Project.id.in_(project_ids)).order_by(Project.id)):
        refresh(project)
