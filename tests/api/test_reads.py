"""Every read endpoint: its happy path, exact decimal strings, the filters of the project list, and the scope."""

from __future__ import annotations

import pytest

from zerolegwork.api import services
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project, ProjectState

V1 = "/api/v1"


def test_the_project_list_pages_filters_and_sorts_like_the_project_library(api, world, finance_token):
    everything = api("GET", f"{V1}/projects", finance_token).json
    assert (everything["page"], everything["per_page"], everything["total"]) == (1, 20, 3)
    first = api("GET", f"{V1}/projects?per_page=1&page=2&sort=planned&dir=asc", finance_token).json
    assert [p["planned_investment"] for p in first["items"]] == ["12800.0000"]
    assert first["total"] == 3
    renewal = api("GET", f"{V1}/projects?category=城市更新", finance_token).json
    assert [p["region"]["name"] for p in renewal["items"]] == ["东河区"]
    found = api("GET", f"{V1}/projects?q=污水", finance_token).json
    assert found["total"] == 1 and found["items"][0]["planned_investment"] == "35600.5000"


@pytest.mark.parametrize("query", ["per_page=101", "page=0", "per_page=x", "category=不存在", "sort=password"])
def test_arguments_outside_their_ranges_or_vocabularies_answer_400(api, world, finance_token, query):
    resp = api("GET", f"{V1}/projects?{query}", finance_token)
    assert resp.status_code == 400
    assert resp.json["errors"]


def test_one_project_carries_its_classification_and_exact_money(api, world, finance_token):
    body = api("GET", f"{V1}/projects/{world['kun']}", finance_token).json
    assert body["name"] == "包头市昆区友谊大街道路改造工程"
    assert body["planned_investment"] == "12800.0000"
    assert body["cumulative_investment"] == "250.0001"  # from the 2026-09 progress report
    assert body["unit"]["code"] == "demo_unit"
    assert body["competent_department"]["code"] == "housing"
    assert body["region"] == {"code": "150203", "name": "昆区", "level": "district"}
    assert (body["start_year"], body["end_year"], body["state"]) == (2026, 2027, "draft")


def test_a_district_finance_token_sees_only_its_district(api, world, issue):
    token = issue("150202_finance")
    listed = api("GET", f"{V1}/projects", token).json
    assert [p["id"] for p in listed["items"]] == [world["dong"]]
    assert api("GET", f"{V1}/projects/{world['dong']}", token).status_code == 200


@pytest.mark.parametrize("path", ["", "/investment", "/funding", "/procurement", "/contracts", "/progress", "/reviews"])
def test_a_project_outside_the_token_users_scope_answers_404(api, world, issue, path):
    token = issue("150202_finance")
    resp = api("GET", f"{V1}/projects/{world['kun']}{path}", token)
    assert resp.status_code == 404
    assert resp.json["error"] == "项目不存在，或您无权查看。"
    assert api("GET", f"{V1}/projects/999999{path}", token).status_code == 404
    assert api("GET", f"{V1}/projects/99999999999999999999{path}", token).status_code == 404


def test_the_investment_plans_carry_their_funding_sources_exactly(api, world, finance_token):
    body = api("GET", f"{V1}/projects/{world['kun']}/investment", finance_token).json
    assert body["total"] == 1
    (plan,) = body["items"]
    assert (plan["version"], plan["total"], plan["other_cost"]) == (1, "1000.0000", "49.4999")
    assert plan["sources"] == [
        {"source": "central", "amount": "300.0000"},
        {"source": "city", "amount": "400.0001"},
        {"source": "bonds", "amount": "299.9999"},
    ]


def test_funding_adds_planned_arranged_and_disbursed(api, world, finance_token):
    arrangement = {"project_id": world["kun"], "year": 2026, "amount": "0.0001", "source": "city"}
    api(
        "POST",
        f"{V1}/budget-arrangements",
        finance_token,
        json=[{**arrangement, "document_no": "包财建〔2026〕1号", "arranged_on": "2026-03-01"}],
    )
    body = api("GET", f"{V1}/projects/{world['kun']}/funding", finance_token).json
    assert body["plan_version"] == 1
    assert body["planned_total"] == "1000.0000"
    assert len(body["sources"]) == 3
    assert body["budget_arranged_total"] == "0.0001"
    assert body["funds_disbursed"] == "300.5000"  # the latest period, 2026-10


def test_a_project_without_records_has_empty_lists_and_no_plan(api, world, finance_token):
    pid = world["qing"]
    body = api("GET", f"{V1}/projects/{pid}/funding", finance_token).json
    assert (body["plan_version"], body["planned_total"], body["sources"]) == (None, None, [])
    assert body["budget_arranged_total"] == "0.0000"
    for path in ("investment", "procurement", "contracts", "progress"):
        assert api("GET", f"{V1}/projects/{pid}/{path}", finance_token).json["items"] == []
    reviews = api("GET", f"{V1}/projects/{pid}/reviews", finance_token).json
    assert reviews["signoff"] == {"outcome": "not_submitted", "rounds": 0, "opinions": []}


def test_procurement_shows_the_savings(api, world, finance_token):
    (row,) = api("GET", f"{V1}/projects/{world['kun']}/procurement", finance_token).json["items"]
    assert (row["budget"], row["award_amount"], row["savings"]) == ("900.0000", "876.5432", "23.4568")
    assert row["awarded_on"] == "2026-05-20"


def test_contracts_are_listed_with_their_dates(api, world, finance_token):
    (row,) = api("GET", f"{V1}/projects/{world['kun']}/contracts", finance_token).json["items"]
    assert (row["amount"], row["signed_on"], row["end_on"]) == ("876.5432", "2026-06-01", "2028-06-10")


def test_progress_reports_come_latest_period_first(api, world, finance_token):
    body = api("GET", f"{V1}/projects/{world['kun']}/progress", finance_token).json
    assert [r["period"] for r in body["items"]] == ["2026-10", "2026-09"]
    latest = body["items"][0]
    assert (latest["time_progress"], latest["work_quantity_progress"]) == ("25.5000", None)
    assert latest["funds_disbursed"] == "300.5000"


def test_reviews_carry_acceptances_evaluations_and_the_signoff(api, world, finance_token):
    body = api("GET", f"{V1}/projects/{world['kun']}/reviews", finance_token).json
    assert body["signoff"]["outcome"] == "not_submitted"
    (acceptance,) = body["acceptances"]
    assert (acceptance["result"], acceptance["accepted_on"]) == ("passed", "2028-07-01")
    (evaluation,) = body["performance_evaluations"]
    assert (evaluation["score"], evaluation["grade"]) == ("91.5000", "优")


def test_the_signoff_outcome_follows_the_last_round_of_opinions(app, people, monkeypatch):
    project = db.session.get(Project, people["projects"][0].id)
    project.instance_id, project.state = 1, ProjectState.IN_APPROVAL
    opinion = {
        "department": "finance",
        "org_name": "财政局",
        "decision": "approve",
        "opinion": "同意",
        "signed_by": "甲",
        "signed_at": "2026-01-01T00:00:00+00:00",
    }
    data = {"round_no": 2, "opinions": [dict(opinion, round_no=1, decision="reject"), dict(opinion, round_no=2)]}
    monkeypatch.setattr(services.runtime, "instance_data", lambda _id: data)
    result = services.signoff(project)
    assert (result["outcome"], result["rounds"]) == ("approved", 2)
    assert result["opinions"][0] == {**opinion, "round_no": 1, "decision": "reject"}
    data["round_no"] = 3  # resubmitted, the departments have not decided yet
    assert services.signoff(project)["outcome"] == "pending"
    data["round_no"] = 2
    data["opinions"][1]["decision"] = "reject"
    assert services.signoff(project)["outcome"] == "returned"
