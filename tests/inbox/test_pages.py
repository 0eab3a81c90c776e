"""The inbox through the pages: tabs with counts, filters in the address, claim buttons, 409s, statements."""

from __future__ import annotations

import re

from flask import g
from sqlalchemy import select

from tests.inbox.conftest import copy_task, finance_post, statements
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.orgs import structure
from zerolegwork.orgs.models import Region


def rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="task-row" data-task-id="(\d+)"', html)]


def count(html: str, view: str) -> int:
    testid = "inbox-count" if view == "mine" else f"count-{view}"
    found = re.search(rf'data-testid="{testid}">(\d+)<', html)
    assert found, view
    return int(found.group(1))


def test_the_inbox_shows_each_views_count_in_its_tab(client, login, people, finance_tasks):
    login("finance1")
    html = client.get("/").get_data(as_text=True)
    assert rows(html) == [t.id for t in reversed(finance_tasks)]
    assert [count(html, v) for v in ("mine", "claimed", "overdue", "department", "done")] == [3, 0, 0, 3, 0]
    assert "待我办理" in html and "本单位全部待办" in html and "已超期" in html


def test_every_view_answers_through_the_address(client, login, people, finance_tasks):
    login("finance_chief")
    department = client.get("/?view=department").get_data(as_text=True)
    assert rows(department) == [t.id for t in reversed(finance_tasks)]
    assert 'data-testid="claim"' not in department and 'href="/tasks/' not in department  # a read-only listing
    for view in ("mine", "claimed", "overdue", "done"):
        resp = client.get(f"/?view={view}")
        assert resp.status_code == 200 and rows(resp.get_data(as_text=True)) == []


def test_filters_come_from_the_address_and_stay_on_the_pager_and_tabs(client, login, people, finance_tasks):
    copy_task(finance_tasks[1], 24)
    kun = db.session.scalars(select(Region.id).where(Region.name == "青山区")).one()
    login("finance1")
    html = client.get(f"/?q=污水&region={kun}&process=joint_signoff&sort=arrived_asc").get_data(as_text=True)
    assert len(rows(html)) == 20 and "共 25 个任务符合筛选条件" in html
    assert "page=2" in html and "q=%E6%B1%A1%E6%B0%B4" in html and f"region={kun}" in html
    second = client.get(f"/?q=污水&region={kun}&process=joint_signoff&sort=arrived_asc&page=2").get_data(as_text=True)
    assert len(rows(second)) == 5
    assert rows(client.get("/?q=不存在的项目").get_data(as_text=True)) == []
    assert "没有符合筛选条件的任务" in client.get("/?q=不存在的项目").get_data(as_text=True)


def test_what_does_not_parse_in_the_address_is_ignored(client, login, people, finance_tasks):
    login("finance1")
    resp = client.get("/?view=all&page=x&region=abc&due_before=soon&sort=random&process=")
    assert resp.status_code == 200 and len(rows(resp.get_data(as_text=True))) == 3


def test_claim_and_release_through_the_buttons(client, login, people, finance_tasks):
    task_id = finance_tasks[0].id
    login("finance1")
    html = client.get("/").get_data(as_text=True)
    assert f'action="/tasks/{task_id}/claim"' in html
    resp = client.post(f"/tasks/{task_id}/claim", data={"next": "/?view=claimed"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/?view=claimed")
    claimed = client.get("/?view=claimed").get_data(as_text=True)
    assert rows(claimed) == [task_id] and "我已认领" in claimed and f'action="/tasks/{task_id}/release"' in claimed
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-testid="release"' in page and 'data-testid="submit"' in page
    resp = client.post(f"/tasks/{task_id}/release", data={"next": "https://evil.example/"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/tasks/{task_id}")
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).claimed_by_id is None


def test_a_task_claimed_by_a_colleague_answers_409_naming_the_holder(client, login, people, finance_tasks):
    users = people["users"]
    structure.assign(finance_post("经办岗"), users["finance_chief"])
    db.session.commit()
    task_id = finance_tasks[0].id
    login("finance_chief")
    assert client.post(f"/tasks/{task_id}/claim").status_code == 302
    login("finance1")
    html = client.get("/").get_data(as_text=True)
    assert f"已由 {users['finance_chief'].display_name} 认领" in html
    resp = client.post(f"/tasks/{task_id}/claim")
    assert resp.status_code == 409
    assert f"该任务已由 {users['finance_chief'].display_name} 认领" in resp.get_data(as_text=True)
    assert client.post(f"/tasks/{task_id}/release").status_code == 409
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-testid="task-claimed"' in page and 'data-testid="submit"' not in page
    resp = client.post(f"/tasks/{task_id}", data={"decision": "approve", "opinion": "抢先办理"})
    assert resp.status_code == 409 and "该任务已由" in resp.get_data(as_text=True)
    json = client.post(f"/tasks/{task_id}/claim", headers={"Accept": "application/json"})
    assert json.status_code == 409 and users["finance_chief"].display_name in json.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).state == "ready"


def test_another_departments_task_cannot_be_claimed_or_released(client, login, people, finance_tasks):
    login("ndrc1")
    assert client.post(f"/tasks/{finance_tasks[0].id}/claim").status_code == 404
    assert client.post(f"/tasks/{finance_tasks[0].id}/release").status_code == 404


def page_statements(client, url: str) -> int:
    db.session.remove()  # a fresh session, as a request in production gets
    client.application.extensions.pop("zlw_city_stages", None)  # each page measured cold (dashboard.stages_for)
    with statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_one_inbox_page_takes_the_same_statements_for_5_and_for_50_tasks(client, login, people, finance_tasks):
    first, newest = finance_tasks[0].id, finance_tasks[2].id
    copy_task(finance_tasks[0], 2)
    login("finance1")
    urls = ["/", "/?view=department", "/?view=done", "/?q=2026&region=1&process=joint_signoff&due_before=2030-01-01"]
    few = [page_statements(client, url) for url in urls]
    arrived = db.session.get(HumanTask, newest).created_at
    copy_task(db.session.get(HumanTask, first), 45, created_at=arrived)
    many = [page_statements(client, url) for url in urls]
    assert few == many, (few, many)
    assert max(many) <= 10, many  # the home page ("/") adds the dashboard's projects by stage


# The inbox page over HTTP, first page of "mine" for a handler with waiting tasks, statement by statement:
#   1. the signed-in user (the login manager's loader)
#   2. the user's posts and the posts they cover today (engine.routing.actor_for, read once per page)
#   3. the count of every tab in one query (services.counts)
#   4. the page of tasks, newest first, with project and holder joined (services._rows)
#   5. the regions to filter by
#   6. the processes to filter by
#   7. the statutory calendar between today and the latest deadline shown (the yellow and red warnings)
#   8. the countersign requests waiting at the user's posts (only on "mine"), reusing the actor of 2
#   9. the dashboard's projects by stage (inbox/dashboard.py; only on the home page: "mine", page 1, unfiltered;
#      its task figures come from 3; for whoever sees every project read once a minute per web process, so a
#      home page within that minute runs 9)
#  10. the unread notifications of the bell in the navigation bar
# (Before the fix, the countersign list read the user's posts again: 10; the dashboard made it 10 again.)
INBOX_PAGE_STATEMENTS = 10


def test_the_inbox_page_over_http_runs_its_ten_pinned_statements(client, login, people, finance_tasks):
    login("finance1")
    client.application.extensions.pop("zlw_city_stages", None)
    db.session.remove()
    g.pop("_login_user", None)  # the test's app context outlives a request; production loads the user each time
    with statements() as seen:
        assert client.get("/").status_code == 200
    assert len(seen) == INBOX_PAGE_STATEMENTS, "\n".join(" ".join(s.split())[:120] for s in seen)
    assert sum("post_member" in s for s in seen) == 1  # the actor is read once


def test_city_wide_stage_counts_are_read_once_a_minute_and_a_units_every_time(client, login, people, finance_tasks):
    login("finance1")  # a department of the top region: sees every project
    client.application.extensions.pop("zlw_city_stages", None)
    cold = page_statements_kept(client, "/")
    warm = page_statements_kept(client, "/")
    assert (cold, warm) == (INBOX_PAGE_STATEMENTS, INBOX_PAGE_STATEMENTS - 1)
    assert "每分钟更新" in client.get("/").get_data(as_text=True)
    login("unit1")  # a unit's own projects: read for every page
    assert page_statements_kept(client, "/") == page_statements_kept(client, "/")
    assert "每分钟更新" not in client.get("/").get_data(as_text=True)


def page_statements_kept(client, url: str) -> int:
    db.session.remove()
    g.pop("_login_user", None)
    with statements() as seen:
        assert client.get(url).status_code == 200
    return len(seen)
