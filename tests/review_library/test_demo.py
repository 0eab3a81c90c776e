"""The demo's finished review is in the library, ranked, with the call's total and one budget line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from zerolegwork import showcase
from zerolegwork.api.models import BudgetArrangement
from zerolegwork.calls import demo as calls_demo
from zerolegwork.calls.models import ProjectCall
from zerolegwork.extensions import db
from zerolegwork.review_library.models import BudgetLine, LibraryEntry


def test_the_demo_review_enters_the_library_and_the_call_has_a_total_and_one_arrangement(
    people: dict[str, Any], client: Any, login: Any
) -> None:
    showcase.seed()
    db.session.commit()
    call = db.session.scalars(select(ProjectCall).where(ProjectCall.title == calls_demo.TITLE)).one()
    entry = db.session.scalars(select(LibraryEntry).where(LibraryEntry.call_id == call.id)).one()
    line = db.session.scalars(select(BudgetLine)).one()
    assert call.total_amount == Decimal("1000.0000") and line.entry_id == entry.id
    assert line.amount == entry.recommended_amount == Decimal("300.0000")
    kept = db.session.get_one(BudgetArrangement, line.arrangement_id)
    assert (kept.project_id, kept.source) == (entry.project_id, "central")
    login("finance1")
    page = client.get(f"/calls/{call.id}/library").get_data(as_text=True)
    assert page.count('data-testid="library-row"') == 1 and "300.0000" in page and "700.0000" in page
