"""预算安排 on a call's library: within the call's total or refused whole, to the project and the API, one at a time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests.helpers import run_together
from zerolegwork.api import tokens
from zerolegwork.api.models import BudgetArrangement, TokenScope
from zerolegwork.audit.models import AuditEvent
from zerolegwork.calls.models import ProjectCall
from zerolegwork.extensions import db
from zerolegwork.review_library import budget, services
from zerolegwork.review_library.errors import BudgetConflictError, BudgetRefusedError, LibraryError
from zerolegwork.review_library.models import BudgetLine

DOC = "包财建〔2026〕18号"


def form(version: int, amounts: dict[int, str], year: str = "2026", document_no: str = DOC) -> MultiDict:
    return MultiDict(
        {
            "version": str(version),
            "year": year,
            "document_no": document_no,
            **{f"amount_{k}": v for k, v in amounts.items()},
        }
    )


def with_total(people: dict[str, Any], call: Any, total: str) -> ProjectCall:
    services.set_total(people["users"]["finance1"], call.id, total)
    db.session.commit()
    return db.session.get_one(ProjectCall, call.id)


def rows() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(BudgetArrangement.id))) or 0,
        db.session.scalar(select(func.count(BudgetLine.id))) or 0,
    )


def test_an_arrangement_above_the_calls_total_is_refused_whole_with_the_figures(
    people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    first, second = reviewed(0, "pass", "60"), reviewed(1, "pass_after_revision", "50")
    found = with_total(people, call, "100")
    with pytest.raises(BudgetRefusedError) as refused:
        budget.arrange(
            people["users"]["finance1"], call.id, form(found.budget_version, {first.id: "60", second.id: "50"})
        )
    db.session.rollback()
    message = refused.value.errors["_form"]
    assert "100.0000" in message and "0.0000" in message and "110.0000" in message and "10.0000" in message
    assert "超出" in message or "exceeds" in message
    assert rows() == (0, 0)


def test_a_correct_arrangement_reaches_the_project_the_api_and_the_audit(
    app: Any, people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    found = with_total(people, call, "100")
    lines = budget.arrange(people["users"]["finance1"], call.id, form(found.budget_version, {entry.id: "60.5"}))
    db.session.commit()
    assert [line.amount for line in lines] == [Decimal("60.5000")]
    kept = db.session.scalars(select(BudgetArrangement)).one()
    assert (kept.project_id, kept.year, kept.amount, kept.source, kept.document_no) == (
        entry.project_id,
        2026,
        Decimal("60.5000"),
        "central",
        DOC,
    )
    assert services.arranged_total(found) == Decimal("60.5000")
    _row, token = tokens.issue_token("finance", "财政一体化", (TokenScope.READ,))
    db.session.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    funding = api.get(f"/api/v1/projects/{entry.project_id}/funding", headers=headers).json
    assert funding["budget_arranged_total"] == "60.5000"
    listed = api.get(f"/api/v1/budget-arrangements?project_id={entry.project_id}", headers=headers).json
    assert [(i["amount"], i["document_no"]) for i in listed["items"]] == [("60.5000", DOC)]
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "budget.arrange")).first() is not None


def test_a_failed_entry_an_amount_with_five_decimals_or_no_document_is_refused_and_nothing_written(
    people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    passed, failed = reviewed(0, "pass", "60"), reviewed(1, "fail", "")
    found = with_total(people, call, "100")
    finance = people["users"]["finance1"]
    for bad, field in (
        (form(found.budget_version, {passed.id: "10", failed.id: "10"}), f"amount_{failed.id}"),
        (form(found.budget_version, {passed.id: "1.00001"}), f"amount_{passed.id}"),
        (form(found.budget_version, {passed.id: "-3"}), f"amount_{passed.id}"),
        (form(found.budget_version, {passed.id: "10"}, document_no=""), "document_no"),
        (form(found.budget_version, {passed.id: "10"}, year="26"), "year"),
        (form(found.budget_version, {}), "_form"),
    ):
        with pytest.raises(BudgetRefusedError) as refused:
            budget.arrange(finance, call.id, bad)
        db.session.rollback()
        assert field in refused.value.errors
    assert rows() == (0, 0)


def test_a_form_opened_before_another_arrangement_is_refused_as_a_conflict(
    people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    found = with_total(people, call, "100")
    seen = found.budget_version
    budget.arrange(people["users"]["finance1"], call.id, form(seen, {entry.id: "10"}))
    db.session.commit()
    with pytest.raises(BudgetConflictError):
        budget.arrange(people["users"]["finance1"], call.id, form(seen, {entry.id: "10"}, document_no="另一文号"))
    db.session.rollback()
    assert rows() == (1, 1)


def test_the_total_is_a_positive_amount_and_not_below_what_is_arranged(
    people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    finance = people["users"]["finance1"]
    for raw in ("", "abc", "0", "-1", "1.00001"):
        with pytest.raises(LibraryError):
            services.set_total(finance, call.id, raw)
        db.session.rollback()
    found = with_total(people, call, "100")
    budget.arrange(finance, call.id, form(found.budget_version, {entry.id: "60"}))
    db.session.commit()
    with pytest.raises(LibraryError) as refused:
        services.set_total(finance, call.id, "50")
    db.session.rollback()
    assert "60.0000" in str(refused.value)
    assert with_total(people, call, "60").total_amount == Decimal("60.0000")


def test_two_finance_users_arranging_at_once_cannot_together_exceed_the_total(
    app: Any, people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the row lock is PostgreSQL's; SQLite runs one writer at a time")
    first, second = reviewed(0, "pass", "60"), reviewed(1, "pass", "60")
    found = with_total(people, call, "100")
    version, call_id = found.budget_version, call.id
    ids = {"finance1": first.id, "finance_chief": second.id}

    def arranging(username: str) -> Any:
        def run() -> Any:
            from zerolegwork.orgs.models import User

            user = db.session.scalars(select(User).where(User.username == username)).one()
            return budget.arrange(user, call_id, form(version, {ids[username]: "60"}, document_no=f"{DOC}-{username}"))

        return run

    results = run_together(app, arranging("finance1"), arranging("finance_chief"))
    db.session.expire_all()
    assert sum(isinstance(r, list) for r in results) == 1
    assert sum(isinstance(r, BudgetConflictError | BudgetRefusedError) for r in results) == 1
    assert services.arranged_total(db.session.get_one(ProjectCall, call_id)) == Decimal("60.0000")
    assert rows() == (1, 1)


def test_a_reversal_gives_the_money_back_to_the_call_and_the_project_once(
    client: Any, login: Any, people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    found = with_total(people, call, "100")
    finance = people["users"]["finance1"]
    (line,) = budget.arrange(finance, call.id, form(found.budget_version, {entry.id: "60"}))
    db.session.commit()
    with pytest.raises(BudgetRefusedError) as refused:  # a reason is required
        budget.reverse(finance, line.id, {"reason": " "})
    db.session.rollback()
    assert "reason" in refused.value.errors
    login("ndrc1")
    assert client.post(f"/library/lines/{line.id}/reverse", data={"reason": "x"}).status_code == 404
    login("finance1")
    page = client.get(f"/library/{entry.id}").get_data(as_text=True)
    assert 'data-testid="reverse-line"' in page
    resp = client.post(f"/library/lines/{line.id}/reverse", data={"reason": "项目终止实施"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert services.arranged_total(db.session.get_one(ProjectCall, call.id)) == Decimal("0.0000")
    amounts = sorted(a for a in db.session.scalars(select(BudgetArrangement.amount)))
    assert amounts == [Decimal("-60.0000"), Decimal("60.0000")]
    with pytest.raises(BudgetRefusedError):  # reversed once
        budget.reverse(finance, line.id, {"reason": "再次"})
    db.session.rollback()
    assert rows() == (2, 2)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "budget.reverse")).first() is not None
    again = db.session.get_one(ProjectCall, call.id)  # the money is free again
    budget.arrange(finance, call.id, form(again.budget_version, {entry.id: "100"}, document_no="包财建〔2026〕19号"))
    db.session.commit()
