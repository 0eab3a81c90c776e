"""The home page opens with the role's dashboard: tasks due soon, overdue, projects by stage, exceptions."""

from __future__ import annotations

import re
from datetime import timedelta

from zerolegwork.db import utcnow
from zerolegwork.extensions import db
from zerolegwork.inbox import dashboard
from zerolegwork.inbox import services as inbox


def tile(html: str, testid: str) -> int:
    found = re.search(rf'data-testid="{testid}".*?<div class="fs-4[^"]*">(\d+)</div>', html, re.S)
    assert found, testid
    return int(found.group(1))


def test_each_kind_of_user_gets_its_dashboard(app, people):
    users = people["users"]
    assert dashboard.role_of(users["unit1"]) == "unit"
    assert dashboard.role_of(users["agency1"]) == "unit"
    assert dashboard.role_of(users["finance1"]) == "department"
    assert dashboard.role_of(users["admin"]) == "overview"
    assert dashboard.role_of(users["analyst"]) == "overview"
    assert dashboard.role_of(users["auditor"]) == "overview"


def test_a_unit_sees_its_tasks_due_soon_and_its_projects_by_stage(client, login, people):
    login("unit1")
    html = client.get("/").get_data(as_text=True)
    assert 'data-role="unit"' in html
    assert tile(html, "tile-projects") == 3 and tile(html, "tile-due-soon") == 0
    assert 'data-testid="tile-overdue"' not in html and 'data-testid="tile-incidents"' not in html
    assert 'data-testid="stage-not_started"' in html and "未启动" in html


def test_a_reviewer_sees_due_soon_overdue_and_the_departments_projects(client, login, people, finance_tasks):
    finance_tasks[0].due_at = utcnow() - timedelta(hours=2)
    finance_tasks[1].due_at = utcnow() + timedelta(days=1)
    db.session.commit()
    login("finance1")
    html = client.get("/").get_data(as_text=True)
    assert 'data-role="department"' in html
    assert tile(html, "tile-due-soon") == 1 and tile(html, "tile-overdue") == 1
    assert tile(html, "tile-department") == 3 and tile(html, "tile-projects") == 3
    stages = dashboard.projects_by_stage(people["users"]["finance1"])
    assert [(s.stage, s.label, s.projects) for s in stages] == [
        ("", "", 3)
    ]  # submitted on their own: no lifecycle stage


def test_the_overview_counts_the_exceptions_everywhere(client, login, people, finance_tasks):
    finance_tasks[0].due_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    login("admin")
    html = client.get("/").get_data(as_text=True)
    assert 'data-role="overview"' in html
    assert tile(html, "tile-overdue-everywhere") == 1 and tile(html, "tile-incidents") == 0
    assert "全部项目" in html


def test_the_dashboard_is_only_on_the_home_page_proper(client, login, people):
    login("unit1")
    assert 'data-testid="dashboard"' in client.get("/").get_data(as_text=True)
    for url in ("/?view=done", "/?q=道路", "/?page=2"):
        assert 'data-testid="dashboard"' not in client.get(url).get_data(as_text=True), url


def test_no_projects_reads_as_an_empty_state_not_an_empty_list(client, login, people):
    login("agency1")  # engaged on the first project only
    html = client.get("/").get_data(as_text=True)
    assert tile(html, "tile-projects") == 1
    from zerolegwork.projects.models import Engagement

    db.session.query(Engagement).update({"ended_on": utcnow().date()})
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="dashboard-stages-empty"' in html and "暂无项目，登记项目后按阶段显示。" in html


def test_due_soon_counts_only_what_is_not_late_yet(app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    finance_tasks[0].due_at = utcnow() + timedelta(days=2, hours=23)
    finance_tasks[1].due_at = utcnow() + timedelta(days=4)
    finance_tasks[2].due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    counts = inbox.counts(finance1)
    assert counts["due_soon"] == 1 and counts["overdue"] == 1
