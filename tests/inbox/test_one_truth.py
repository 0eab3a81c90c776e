"""One truth per figure (issue 12 item 2): record forms start from the project, changes are shown, 计划投资 follows."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from tests.engine.lifecycle_support import (
    CONFIRM,
    INFORMATION,
    act,
    find,
    investment_plan,
    sign_off,
    start,
)
from tests.engine.lifecycle_support import app as lifecycle_app
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project

app = lifecycle_app


def page(client, task_id: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def checked(html: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" id="[^"]*" value="([^"]*)" checked', html)
    return found.group(1) if found else None


def registered(people, **values):  # type: ignore[no-untyped-def]
    project = people["projects"][0]
    for key, value in values.items():
        setattr(project, key, value)
    db.session.commit()
    return project


def test_project_information_starts_from_every_registered_value(app, client, login, people):
    project = registered(
        people,
        investment_policy="国有资本",
        industry_type="水利",
        category="农林水利",
        construction_mode="扩建",
        investment_mode="投资补助",
        management_status="在建",
        start_year=2025,
        end_year=2029,
        planned_investment=Decimal("5200.5000"),
    )
    result = start(people, "information")
    task = find(result.instance_id, "record_information")
    login("unit1")
    html = page(client, task.id)
    for name in ("investment_policy", "industry_type", "category", "construction_mode", "investment_mode"):
        assert checked(html, name) == getattr(project, name), name
    assert checked(html, "management_status") == "在建"
    assert 'value="2025"' in html and 'value="2029"' in html and 'value="5200.5000"' in html


def test_the_reviewer_sees_a_registered_value_changed_as_old_and_new(app, client, login, people):
    registered(people, investment_policy="国有资本")
    result = start(people, "information")
    act(people, result.instance_id, "record_information", {**INFORMATION, "investment_policy": "一般公共预算"})
    review = find(result.instance_id, "check_information")
    login("ndrc1")
    html = page(client, review.id)
    assert 'data-testid="record-changes"' in html
    rows = re.findall(r'data-testid="record-change">(.*?)</tr>', html, re.S)
    policy = [r for r in rows if "投资政策" in r]
    assert len(policy) == 1 and "<del>国有资本</del>" in policy[0] and "一般公共预算" in policy[0]
    assert not [r for r in rows if "项目类别" in r]  # unchanged values are not listed as changes


def test_a_form_submitted_unchanged_shows_no_changes(app, client, login, people):
    project = people["projects"][0]
    result = start(people, "information")
    same = {k: str(v) if (v := getattr(project, k, None)) is not None else INFORMATION[k] for k in INFORMATION}
    act(people, result.instance_id, "record_information", same)
    review = find(result.instance_id, "check_information")
    login("ndrc1")
    assert 'data-testid="record-changes"' not in page(client, review.id)


def test_the_investment_plan_starts_from_the_newest_plan_and_planned_investment_follows_approval(
    app, client, login, people
):
    project = registered(people, planned_investment=Decimal("5200.5000"))
    result = start(people, "investment")
    first = find(result.instance_id, "record_investment")
    login("unit1")
    assert 'value="5200.5000"' in page(client, first.id)  # before any plan: the registered amount
    act(people, result.instance_id, "record_investment", investment_plan("5200.0000"))
    act(people, result.instance_id, "check_investment", {"decision": "return", "opinion": "请补充资金来源说明。"})
    again = find(result.instance_id, "record_investment")
    html = page(client, again.id)
    assert 'value="5200.0000"' in html and 'value="4160.0000"' in html  # the plan's total and construction cost
    act(people, result.instance_id, "record_investment", investment_plan("5200.0000"))
    act(people, result.instance_id, "check_investment", CONFIRM)
    assert db.session.get(Project, project.id).planned_investment == Decimal("5200.5000")  # not approved yet
    sign_off(people, result.instance_id)
    db.session.expire_all()
    assert db.session.get(Project, project.id).planned_investment == Decimal("5200.0000")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.planned_investment")).one()
    assert event.detail["before"] == "5200.5000" and event.detail["after"] == "5200.0000"


def test_a_changed_plan_is_shown_to_the_reviewer_against_the_plan_before(app, client, login, people):
    result = start(people, "investment")
    act(people, result.instance_id, "record_investment", investment_plan("5200.0000"))
    act(people, result.instance_id, "check_investment", {"decision": "return", "opinion": "总投资需核减。"})
    act(people, result.instance_id, "record_investment", investment_plan("5000.0000"))
    review = find(result.instance_id, "check_investment")
    login("ndrc1")
    html = page(client, review.id)
    rows = re.findall(r'data-testid="record-change">(.*?)</tr>', html, re.S)
    assert any("5200.0000" in r and "5000.0000" in r for r in rows), rows
