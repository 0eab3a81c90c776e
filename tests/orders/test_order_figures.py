"""An accepted cost audit's 审定金额: on the project page, in the report's data, and as the funds cap."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.orders.conftest import step, upload
from tests.reports.pdf_support import pdf_text
from zerolegwork.engine.forms import FormValidationError
from zerolegwork.extensions import db
from zerolegwork.funds import caps
from zerolegwork.funds.models import FundException
from zerolegwork.orders.models import OrderKind
from zerolegwork.reports.pdf.data import gather
from zerolegwork.reports.pdf.layout import build


def audit_delivery(contract_id: int, audited: str = "100.0000", **changes: Any) -> dict[str, Any]:
    return {
        "project_submitted": "120",
        "project_audited": audited,
        "contracts": [{"contract_id": str(contract_id), "submitted": "120", "audited": audited}],
        "conclusion": "审定",
        **changes,
    }


@pytest.fixture
def audited(people: dict[str, Any], issue: Any, contract: Any) -> Any:
    """A contract of 120 万元 whose cost audit was accepted at 100 万元."""
    filed = contract(amount="120.0000")
    order = issue(OrderKind.COST_AUDIT)
    step(order, "answer_order", {"decision": "accept"})
    upload(order, people["users"]["agency1"])
    step(order, "deliver", audit_delivery(filed.id))
    step(order, "check_delivery", {"decision": "accept"})
    return filed


def test_an_accepted_cost_audit_fixes_the_contracts_audited_amount(audited: Any, project: Any) -> None:
    assert caps.audited_amounts([project.id]) == {audited.id: Decimal("100.0000")}


def test_a_delivery_not_yet_accepted_fixes_nothing(
    people: dict[str, Any], issue: Any, contract: Any, project: Any
) -> None:
    filed = contract()
    order = issue(OrderKind.COST_AUDIT)
    step(order, "answer_order", {"decision": "accept"})
    upload(order, people["users"]["agency1"])
    step(order, "deliver", audit_delivery(filed.id))
    assert caps.audited_amounts([project.id]) == {}
    step(order, "check_delivery", {"decision": "return", "opinion": "核减依据不足"})
    assert caps.audited_amounts([project.id]) == {}


def test_the_audited_amount_stands_beside_the_contract_on_the_project_page(
    audited: Any, project: Any, client: Any, login: Any
) -> None:
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="contract-audited">100.0000' in page
    assert "120.0000" in page


def test_the_report_pdf_lists_the_audited_amount_beside_the_contract(audited: Any, project: Any) -> None:
    data = gather(project.id)
    assert data.audited == {audited.id: Decimal("100.0000")}
    data.chosen = {**data.chosen, "contracts": ["contract_filing"]}  # the contracts section is printed when chosen
    text = pdf_text(build(data, datetime(2026, 10, 1, tzinfo=UTC)))
    flat = "".join(text.split())  # the narrow header column wraps
    assert "审定金额（万元）签订日期" in flat
    assert "120.0000100.0000" in flat


def test_a_payment_above_the_audited_amount_is_flagged(audited: Any, project: Any, arrange: Any, pay: Any) -> None:
    arrange("1000")
    pay("100.0000", contract=str(audited.id))
    rules = db.session.scalars(select(FundException.rule).where(FundException.project_id == project.id)).all()
    assert "contract_over" not in rules
    pay("5.0000", contract=str(audited.id))  # 105 paid: within the contract's 120, above the audited 100
    (figures,) = db.session.scalars(
        select(FundException.figures).where(
            FundException.project_id == project.id, FundException.rule == "contract_over"
        )
    ).all()
    assert figures["audited"] == "100.0000" and figures["excess"] == "5.0000"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"project_audited": "-1"}, "project_audited"),
        ({"project_audited": "1.12345"}, "project_audited"),
        ({"contracts": [{"contract_id": "1", "submitted": "1", "audited": "-0.0001"}]}, "contracts.0.audited"),
    ],
)
def test_negative_or_overprecise_amounts_are_refused_in_chinese(
    people: dict[str, Any], issue: Any, contract: Any, changes: dict[str, Any], field: str
) -> None:
    filed = contract()
    order = issue(OrderKind.COST_AUDIT)
    step(order, "answer_order", {"decision": "accept"})
    upload(order, people["users"]["agency1"])
    with pytest.raises(FormValidationError) as refused:
        step(order, "deliver", audit_delivery(filed.id) | changes)
    assert field in refused.value.errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.errors[field])


def test_a_contract_of_another_project_is_refused(people: dict[str, Any], issue: Any, contract: Any) -> None:
    elsewhere = contract(target=people["projects"][1])
    order = issue(OrderKind.COST_AUDIT)
    step(order, "answer_order", {"decision": "accept"})
    upload(order, people["users"]["agency1"])
    with pytest.raises(FormValidationError) as refused:
        step(order, "deliver", audit_delivery(elsewhere.id))
    assert refused.value.errors == {"contracts.0.contract_id": "本项目没有此编号的合同。"}
