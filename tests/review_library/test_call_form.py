"""The call's form carries its money (万元) and its scoring sheet, each checked with a Chinese message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.calls.conftest import call_form
from zerolegwork.calls import services as calls
from zerolegwork.calls.errors import CallFormError
from zerolegwork.experts import sheets
from zerolegwork.extensions import db


@pytest.fixture
def finance(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(calls, "today_local", lambda: date(2026, 9, 1))
    sheets.seed_sheets()
    db.session.commit()
    return people["users"]["finance1"]


def test_a_call_keeps_its_total_and_scoring_sheet(finance: Any) -> None:
    call = calls.create_call(finance, call_form(total_amount="1,200.5", scoring_sheet="economic"))
    db.session.commit()
    assert (call.total_amount, call.scoring_sheet) == (Decimal("1200.5000"), "economic")
    unset = calls.create_call(finance, call_form())
    assert (unset.total_amount, unset.scoring_sheet) == (None, None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"total_amount": "abc"}, "total_amount"),
        ({"total_amount": "0"}, "total_amount"),
        ({"total_amount": "-5"}, "total_amount"),
        ({"total_amount": "1.23456"}, "total_amount"),
        ({"scoring_sheet": "no_such_sheet"}, "scoring_sheet"),
    ],
)
def test_a_bad_total_or_sheet_is_refused_on_its_field(finance: Any, fields: dict[str, str], field: str) -> None:
    with pytest.raises(CallFormError) as refused:
        calls.create_call(finance, call_form(**fields))
    db.session.rollback()
    assert refused.value.errors.get(field)


def test_the_form_page_offers_the_sheets_and_shows_the_error(client: Any, login: Any, finance: Any) -> None:
    login("finance1")
    page = client.get("/calls/new").get_data(as_text=True)
    assert 'name="total_amount"' in page and 'value="subsidy"' in page
    form = call_form(total_amount="1.23456")
    resp = client.post("/calls/new", data=form)
    assert resp.status_code == 422 and 'data-testid="error-total_amount"' in resp.get_data(as_text=True)
