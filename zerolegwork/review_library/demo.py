"""The demo's library: the finished review's entry (made at its 结果运用), the call's total and one arrangement.

Added by the showcase after the demo's review (reviews/demo.py), through the services as the finance
bureau would: a total of 1,000 万元 for the call and the entry's recommended amount arranged under one 文号,
so a newcomer sees the ranked list, the budget line and the amount on the project and in /api/v1.
"""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..calls.models import ProjectCall
from ..engine.routing import today_local
from ..extensions import db
from ..orgs.models import User
from . import budget, services
from .models import BudgetLine, LibraryEntry

TOTAL = "1000"


def seed(call: ProjectCall | None) -> None:
    """Set the call's total and arrange the first passed entry its recommended amount, once (flush only)."""
    if call is None:
        return
    entry = db.session.scalars(
        select(LibraryEntry)
        .where(LibraryEntry.call_id == call.id, LibraryEntry.verdict.in_(services.FUNDABLE))
        .order_by(LibraryEntry.id)
    ).first()
    finance = db.session.scalars(select(User).where(User.username == "finance1")).one()
    if call.total_amount is None:
        services.set_total(finance, call.id, TOTAL)
    if entry is None or entry.recommended_amount is None:
        return
    if db.session.scalar(select(BudgetLine.id).where(BudgetLine.entry_id == entry.id).limit(1)) is not None:
        return
    year = today_local().year
    form = MultiDict(
        {
            "version": str(call.budget_version),
            "year": str(year),
            "document_no": f"包财建〔{year}〕示范1号",
            f"amount_{entry.id}": format(entry.recommended_amount, "f"),
        }
    )
    budget.arrange(finance, call.id, form)
