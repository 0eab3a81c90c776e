"""The audit page: auditors only, newest first in Chinese and Shanghai time, filters, pages, chain status."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from tests.audit.support import delete_row, seal_all, sealed_chain, write_events
from zerolegwork.audit import services
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db

pytestmark = pytest.mark.usefixtures("audit_web")


def event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-event-id="(\d+)"', html)]


def row_html(html: str, event_id: int) -> str:
    start = html.index(f'data-event-id="{event_id}"')
    return html[start : html.index("</tr>", start)]


def test_only_auditors_see_the_audit_page(client, login, people):
    for username in ("admin", "unit1", "finance1"):
        login(username)
        assert client.get("/audit/").status_code == 404
        assert client.post("/audit/verify").status_code == 404
    client.post("/logout")
    assert client.get("/audit/").status_code == 302  # to the sign-in page
    login("auditor")
    assert client.get("/audit/").status_code == 200


def test_events_are_listed_newest_first_in_chinese_with_shanghai_time(client, login, people):
    users = people["users"]
    db.session.execute(delete(AuditEvent))  # the seed's own events (org.create, user.create) are not under test
    services.record(
        "task.complete",
        "human_task",
        41,
        users["finance1"].id,
        on_behalf_of_id=users["finance_chief"].id,
        task="finance_review",
    )
    services.record("project.state", "project", 9, None, before="draft", after="signing")
    db.session.execute(
        update(AuditEvent).where(AuditEvent.object_id == "9").values(at=datetime(2026, 3, 1, 16, 30, 5, tzinfo=UTC))
    )
    db.session.commit()
    login("auditor")
    html = client.get("/audit/").get_data(as_text=True)
    task, state, signin = (
        db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == a))
        for a in ("task.complete", "project.state", "auth.login")
    )
    assert event_ids(html) == [signin, task, state]  # newest first; the state change was back-dated
    done = row_html(html, task)
    assert "办理任务" in done and "财政局 审查员 (finance1)" in done
    assert users["finance_chief"].display_name in done and "task=finance_review" in done
    changed = row_html(html, state)
    assert "项目状态变更" in changed and "draft → signing" in changed
    assert "2026-03-02 00:30:05" in changed  # 16:30 UTC is past midnight in Shanghai
    assert "登录" in row_html(html, signin)


def test_rows_stack_on_a_phone(client, login, people):
    login("auditor")
    html = client.get("/audit/").get_data(as_text=True)
    assert 'class="table table-hover table-stack' in html
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    cells = re.findall(r"<td[^>]*>", body)
    assert cells and all("data-label=" in td for td in cells)
    assert 'name="viewport"' in html


def test_filters_narrow_the_log(client, login, people):
    users = people["users"]
    services.record("project.state", "project", 5, users["unit1"].id, before="draft", after="signing")
    services.record("project.state", "project", 6, None, before="draft", after="signing")
    services.record("instance.start", "process_instance", 5, users["unit1"].id)
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.object_id == "6", AuditEvent.action == "project.state")
        .values(at=datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    )
    db.session.commit()
    login("auditor")

    def shown(**args: str) -> set[tuple[str, str]]:
        html = client.get("/audit/", query_string=args).get_data(as_text=True)
        ids = event_ids(html)
        rows = db.session.query(AuditEvent.action, AuditEvent.object_id).filter(AuditEvent.id.in_(ids)).all()
        return {(a, o) for a, o in rows}

    assert shown(action="project.state") == {("project.state", "5"), ("project.state", "6")}
    assert shown(object_type="process_instance") == {("instance.start", "5")}
    assert shown(object_type="project", object_id="5") == {("project.state", "5")}
    assert shown(actor="unit1", object_id="5") == {("project.state", "5"), ("instance.start", "5")}
    assert shown(actor="经办", object_id="5") == {("project.state", "5"), ("instance.start", "5")}
    # 2025-12-31 15:59 UTC is 23:59 on 31 December in Shanghai
    assert shown(date_from="2025-12-31", date_to="2025-12-31") == {("project.state", "6")}
    assert ("project.state", "6") not in shown(date_from="2026-01-01")
    assert shown(actor="nobody-like-this") == set()
    assert client.get("/audit/", query_string={"date_from": "not-a-date", "page": "x"}).status_code == 200


def test_fifty_events_a_page_and_the_pager_keeps_the_filters(client, login, people):
    for i in range(120):
        services.record("project.state", "project", i, None, before="a", after="b")
    db.session.commit()
    login("auditor")
    first = client.get("/audit/", query_string={"action": "project.state"}).get_data(as_text=True)
    third = client.get("/audit/", query_string={"action": "project.state", "page": 3}).get_data(as_text=True)
    assert len(event_ids(first)) == 50 and len(event_ids(third)) == 20
    assert max(event_ids(third)) < min(event_ids(first))
    assert "page=2" in first and "action=project.state" in first
    assert ">120<" in first.replace(" ", "")


def test_the_chain_status_line_and_the_verify_button(app: Flask, client, login, people):
    login("auditor")
    html = client.get("/audit/").get_data(as_text=True)
    status = html[html.index('data-testid="chain-status"') :]
    assert "哈希链中尚无已封存的事件" in status[:2000] and "尚未校验" in status[:2000]
    seal_all()
    html = client.post("/audit/verify", follow_redirects=True).get_data(as_text=True)
    assert "审计链完好：已校验 1 条事件" in html  # the sign-in
    head = sealed_chain()[-1]
    assert f"已封存至第 {head.id} 号事件（共 1 条）" in html and "完好" in html
    write_events(3)
    seal_all()
    middle = sealed_chain()[2]
    delete_row(middle.id)
    html = client.post("/audit/verify", follow_redirects=True).get_data(as_text=True)
    after_gap = sealed_chain()[2].id
    assert f"审计链在第 {after_gap} 号事件处断裂" in html and "已损坏" in html
    assert "其前有事件被删除" in html


def test_an_unsealed_event_is_marked(client, login, people):
    seal_all()
    services.record("project.state", "project", 1, None)
    db.session.commit()
    login("auditor")
    html = client.get("/audit/", query_string={"action": "project.state"}).get_data(as_text=True)
    assert "待封存" in html
