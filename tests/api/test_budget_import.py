"""Importing budget arrangements: all or nothing, errors per item, idempotent on (project, year, document), exact."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from zerolegwork.api.models import BudgetArrangement
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db

URL = "/api/v1/budget-arrangements"


def arrangement(project_id: int, **changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "project_id": project_id,
        "year": 2026,
        "amount": "1200.5000",
        "source": "city",
        "document_no": "包财建〔2026〕15号",
        "arranged_on": "2026-03-15",
    }
    item.update(changes)
    return item


def kept() -> int:
    return db.session.scalar(select(func.count()).select_from(BudgetArrangement)) or 0


def test_arrangements_are_created_and_listed_per_project(api, world, finance_token):
    items = [arrangement(world["kun"]), arrangement(world["dong"], year=2027, document_no="包财建〔2027〕2号")]
    resp = api("POST", URL, finance_token, json=items)
    assert resp.status_code == 201
    assert (resp.json["created"], resp.json["unchanged"]) == (2, 0)
    assert resp.json["items"][0]["project_code"] == world["projects"]["昆区"].code
    listed = api("GET", f"{URL}?project_id={world['kun']}", finance_token).json
    assert listed["total"] == 1
    assert listed["items"][0]["amount"] == "1200.5000"
    assert api("GET", f"{URL}?year=2027", finance_token).json["total"] == 1
    assert api("GET", URL, finance_token).json["total"] == 2


def test_sending_the_same_arrangement_again_does_not_duplicate_it(api, world, finance_token):
    items = [arrangement(world["kun"])]
    assert api("POST", URL, finance_token, json=items).status_code == 201
    again = api(
        "POST",
        URL,
        finance_token,
        json=[arrangement(world["kun"], amount="1200.5", document_no=" 包财建〔2026〕15号 ")],
    )
    assert again.status_code == 200
    assert (again.json["created"], again.json["unchanged"]) == (0, 1)
    assert kept() == 1


def test_the_same_key_with_other_values_is_a_conflict_and_nothing_is_written(api, world, finance_token):
    api("POST", URL, finance_token, json=[arrangement(world["kun"])])
    resp = api(
        "POST",
        URL,
        finance_token,
        json=[arrangement(world["dong"]), arrangement(world["kun"], amount="1300.0000")],
    )
    assert resp.status_code == 409
    assert list(resp.json["errors"]) == ["1"]
    assert "1200.5000" in resp.json["errors"]["1"]["amount"][0]
    assert kept() == 1


def test_one_bad_item_refuses_the_whole_list_with_errors_per_item(api, world, finance_token):
    items = [
        arrangement(world["kun"]),
        arrangement(world["kun"], amount=1200.5, document_no="另一文号"),
        arrangement(world["kun"], year=1999, source="lottery", document_no="第三"),
        {"project_code": world["projects"]["东河区"].code, "year": 2026},
        arrangement(world["kun"], project_code="X"),
        "not an object",
    ]
    resp = api("POST", URL, finance_token, json=items)
    assert resp.status_code == 422
    errors = resp.json["errors"]
    assert sorted(errors) == ["1", "2", "3", "4", "5"]
    assert "amount" in errors["1"]
    assert {"year", "source"} <= set(errors["2"])
    assert {"amount", "source", "document_no", "arranged_on"} <= set(errors["3"])
    assert "project_id" in errors["4"]
    assert resp.json["error"] == "未导入任何数据：5 条不合格，详见 errors。"
    assert kept() == 0


def test_a_project_the_token_user_may_not_see_is_an_invalid_item(api, world, issue):
    token = issue("150202_finance", ("read", "budget:write"))
    resp = api("POST", URL, token, json=[arrangement(world["dong"]), arrangement(world["kun"])])
    assert resp.status_code == 422
    assert resp.json["errors"] == {"1": {"project_id": ["项目不存在，或您无权查看。"]}}
    assert kept() == 0
    assert api("GET", f"{URL}?project_id={world['kun']}", token).status_code == 404


def test_the_same_key_twice_in_one_list_with_other_values_is_refused(api, world, finance_token):
    items = [arrangement(world["kun"]), arrangement(world["kun"], amount="1.0000")]
    resp = api("POST", URL, finance_token, json=items)
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["1"]
    twice = api("POST", URL, finance_token, json=[arrangement(world["kun"])] * 2)
    assert (twice.status_code, twice.json["created"], twice.json["unchanged"]) == (201, 1, 1)
    assert kept() == 1


def test_amounts_stay_exact_to_the_ten_thousandth(api, world, finance_token):
    items = [arrangement(world["kun"], amount="0.0001", document_no=f"文{i}") for i in range(1000)]
    assert api("POST", URL, finance_token, json=items).status_code == 201
    total = db.session.scalar(select(func.sum(BudgetArrangement.amount)))
    assert Decimal(total) == Decimal("0.1000")
    funding = api("GET", f"/api/v1/projects/{world['kun']}/funding", finance_token).json
    assert funding["budget_arranged_total"] == "0.1000"
    big = api(
        "POST", URL, finance_token, json=[arrangement(world["kun"], amount="999999999999.9999", document_no="大")]
    )
    assert big.json["items"][0]["amount"] == "999999999999.9999"
    for bad in ("0.00001", "1e3", "NaN", "1,000", "1000000000000"):
        assert (
            api("POST", URL, finance_token, json=[arrangement(world["kun"], amount=bad, document_no="坏")]).status_code
            == 422
        )


def test_a_body_that_is_not_a_list_answers_400(api, world, finance_token):
    assert api("POST", URL, finance_token, json={"project_id": 1}).status_code == 400
    assert api("POST", URL, finance_token, data="[{", content_type="application/json").status_code == 400
    resp = api("POST", URL, finance_token, json=[arrangement(world["kun"])] * 1001)
    assert resp.status_code == 400


def test_each_created_arrangement_is_audited_with_the_token(api, world, finance_token):
    api("POST", URL, finance_token, json=[arrangement(world["kun"])])
    api("POST", URL, finance_token, json=[arrangement(world["kun"])])
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "budget.arrange")).all()
    assert len(events) == 1
    assert events[0].object_id == str(world["kun"])
    assert events[0].detail["token"] == finance_token[:12]
    assert events[0].detail["amount"] == "1200.5000"
