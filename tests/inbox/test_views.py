"""The inbox views, their filters, order, counts and pages, read through the service."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.inbox.conftest import copy_task, statements
from zerolegwork.db import utcnow
from zerolegwork.engine.routing import actor_for
from zerolegwork.extensions import db
from zerolegwork.i18n import SHANGHAI
from zerolegwork.inbox import services as inbox
from zerolegwork.inbox.services import InboxQuery
from zerolegwork.orgs.models import Region


def ids(user, **query):
    return [r.task.id for r in inbox.inbox_page(user, InboxQuery(**query)).rows]


def test_mine_lists_the_tasks_at_my_posts_newest_first(any_app, people, finance_tasks):
    users = people["users"]
    assert ids(users["finance1"]) == [t.id for t in reversed(finance_tasks)]
    assert ids(users["finance_chief"]) == []  # 科长岗: the demo's 审批 chain has one step, 经办岗
    assert set(ids(users["ndrc1"])).isdisjoint(t.id for t in finance_tasks)


def test_the_department_view_lists_every_ready_task_of_the_organisation_read_only(any_app, people, finance_tasks):
    page = inbox.inbox_page(people["users"]["finance_chief"], InboxQuery(view="department"))
    assert [r.task.id for r in page.rows] == [t.id for t in reversed(finance_tasks)]
    assert {r.post_name for r in page.rows} == {"经办岗"}
    assert not any(r.can_act for r in page.rows)
    assert ids(people["users"]["ndrc1"], view="department") != [t.id for t in reversed(finance_tasks)]


def test_the_overdue_view_holds_ready_tasks_at_my_posts_past_their_due_time(any_app, people, finance_tasks):
    late, soon, _ = finance_tasks
    late.due_at = utcnow() - timedelta(hours=1)
    soon.due_at = utcnow() + timedelta(days=2)
    db.session.commit()
    page = inbox.inbox_page(people["users"]["finance1"], InboxQuery(view="overdue"))
    assert [r.task.id for r in page.rows] == [late.id] and page.rows[0].overdue
    assert page.counts["overdue"] == 1
    assert ids(people["users"]["finance_chief"], view="overdue") == []


def test_the_claimed_view_holds_what_i_claimed(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    inbox.claim(finance1, finance_tasks[1].id)
    db.session.commit()
    page = inbox.inbox_page(finance1, InboxQuery(view="claimed"))
    assert [r.task.id for r in page.rows] == [finance_tasks[1].id]
    assert page.rows[0].claimed_by_me and page.counts["claimed"] == 1


def test_the_done_view_holds_what_i_handled_and_mine_no_longer_does(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    inbox.complete(finance1, finance_tasks[0].id, {"decision": "approve", "opinion": "同意"})
    db.session.commit()
    assert ids(finance1, view="done") == [finance_tasks[0].id]
    assert ids(finance1) == [finance_tasks[2].id, finance_tasks[1].id]
    counts = inbox.counts(finance1)
    assert counts["done"] == 1 and counts["mine"] == 2 and counts["waiting"] == 2


def test_search_finds_a_project_by_part_of_its_name_or_its_code(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    sewage = people["projects"][1]
    assert ids(finance1, q="污水处理") == [finance_tasks[1].id]
    assert ids(finance1, q=people["projects"][2].code[5:]) == [finance_tasks[2].id]
    assert ids(finance1, q=sewage.code) == [finance_tasks[1].id]
    assert ids(finance1, q="%") == [] and ids(finance1, q="_") == []  # wildcards are searched for literally
    page = inbox.inbox_page(finance1, InboxQuery(q="-1502"))
    assert page.total == 3 and page.counts["mine"] == 3
    people["projects"][0].name = "Smart 智慧路灯 PPP 项目"
    db.session.commit()
    assert ids(finance1, q="smart") == [finance_tasks[0].id] and ids(finance1, q="ppp") == [finance_tasks[0].id]


def test_the_region_filter_keeps_the_projects_of_one_region(any_app, people, finance_tasks):
    kun = db.session.scalars(select(Region.id).where(Region.name == "昆区")).one()
    page = inbox.inbox_page(people["users"]["finance1"], InboxQuery(region_id=kun))
    assert [r.task.id for r in page.rows] == [finance_tasks[0].id] and page.total == 1
    assert (kun, "昆区") in page.regions


def test_the_process_filter_keeps_the_tasks_of_one_process(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    page = inbox.inbox_page(finance1, InboxQuery(process_id="joint_signoff"))
    assert len(page.rows) == 3 and page.total == 3 and "joint_signoff" in page.processes
    assert ids(finance1, process_id="no_such_process") == []


def test_due_before_a_day_keeps_tasks_due_by_the_end_of_that_day_in_shanghai(any_app, people, finance_tasks):
    first, second, third = finance_tasks
    day = (utcnow() + timedelta(days=10)).astimezone(SHANGHAI).date()
    first.due_at = datetime(day.year, day.month, day.day, 23, 30, tzinfo=SHANGHAI)
    second.due_at = datetime(day.year, day.month, day.day, 23, 30, tzinfo=SHANGHAI) + timedelta(hours=1)
    third.due_at = None
    db.session.commit()
    assert ids(people["users"]["finance1"], due_before=day) == [first.id]
    assert ids(people["users"]["finance1"], due_before=day + timedelta(days=1)) == [second.id, first.id]


def test_the_order_can_be_oldest_first_or_soonest_due_first(any_app, people, finance_tasks):
    first, second, third = finance_tasks
    first.due_at = utcnow() + timedelta(days=5)
    third.due_at = utcnow() + timedelta(days=1)
    db.session.commit()
    finance1 = people["users"]["finance1"]
    assert ids(finance1, sort="arrived_asc") == [first.id, second.id, third.id]
    assert ids(finance1, sort="due_asc") == [third.id, first.id, second.id]  # no due date: last


def test_counts_of_every_view_come_from_one_query(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    inbox.claim(finance1, finance_tasks[0].id)
    finance_tasks[1].due_at = utcnow() - timedelta(days=1)
    finance_tasks[2].due_at = utcnow() + timedelta(days=2)  # due soon (the home page's dashboard)
    db.session.commit()
    actor = actor_for(finance1)
    with statements() as seen:
        counts = inbox.counts(finance1, actor)
    assert len(seen) == 1
    expected = {"mine": 3, "claimed": 1, "department": 3, "overdue": 1, "done": 0, "waiting": 3, "due_soon": 1}
    assert counts == expected


def test_waiting_leaves_out_what_a_colleague_has_claimed(any_app, people, finance_tasks):
    from tests.inbox.conftest import finance_post
    from zerolegwork.orgs import structure

    users = people["users"]
    structure.assign(finance_post("经办岗"), users["finance_chief"])
    inbox.claim(users["finance_chief"], finance_tasks[0].id)
    db.session.commit()
    counts = inbox.counts(users["finance1"])
    assert counts["mine"] == 3 and counts["waiting"] == 2
    (row,) = [r for r in inbox.inbox_page(users["finance1"], InboxQuery()).rows if r.task.id == finance_tasks[0].id]
    assert row.claimed_by_name == users["finance_chief"].display_name and not row.claimed_by_me


def test_one_page_holds_twenty_tasks_and_the_pages_do_not_overlap(any_app, people, finance_tasks):
    copy_task(finance_tasks[0], 42)  # 45 in all
    finance1 = people["users"]["finance1"]
    pages = [inbox.inbox_page(finance1, InboxQuery(page=n)) for n in (1, 2, 3, 4)]
    assert [len(p.rows) for p in pages] == [20, 20, 5, 0]
    assert {p.total for p in pages} == {45}
    seen = [r.task.id for p in pages for r in p.rows]
    assert len(set(seen)) == 45
    arrived = [r.task.created_at for p in pages for r in p.rows]
    assert arrived == sorted(arrived, reverse=True)


def test_a_filtered_page_counts_only_the_matches(any_app, people, finance_tasks):
    copy_task(finance_tasks[1], 24)  # 25 tasks of the sewage project, 27 in all
    page = inbox.inbox_page(people["users"]["finance1"], InboxQuery(q="污水", page=2))
    assert page.total == 25 and len(page.rows) == 5 and page.counts["mine"] == 27
    past = inbox.inbox_page(people["users"]["finance1"], InboxQuery(q="污水", page=4))
    assert past.rows == [] and past.total == 25
    assert inbox.inbox_page(people["users"]["finance1"], InboxQuery(q="不存在")).total == 0


def test_the_query_reads_the_address_and_ignores_what_does_not_parse(any_app):
    q = InboxQuery.from_args(
        {"view": "overdue", "q": " 污水 ", "region": "3", "process": "joint_signoff", "due_before": "2026-12-01"}, 2
    )
    assert (q.view, q.page, q.q, q.region_id, q.process_id, q.due_before.isoformat()) == (
        "overdue",
        2,
        "污水",
        3,
        "joint_signoff",
        "2026-12-01",
    )
    bad = InboxQuery.from_args({"view": "everyone", "region": "x", "due_before": "soon", "sort": "random"})
    assert bad == InboxQuery()
    assert q.query_args(view=None, page=3)["page"] == 3 and "view" not in q.query_args(view=None)
