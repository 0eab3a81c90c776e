"""The inbox's other actions from the pages: return a level, add a signer, bulk acknowledge 备案, deadline warnings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tests.engine.test_department_chains import answer, post, two_level_chain
from tests.engine.test_statutory_clock import small_road
from tests.helpers import ready_tasks, submit
from zerolegwork.db import utcnow
from zerolegwork.engine.models import HumanTask, TaskStep
from zerolegwork.extensions import db
from zerolegwork.inbox import actions, deadlines
from zerolegwork.inbox import services as inbox


def test_the_chief_returns_a_task_from_the_task_page_with_a_reason(client, login, people):
    two_level_chain()
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    inbox.complete(people["users"]["finance1"], task.id, answer("经办：同意"))
    db.session.commit()
    login("finance_chief")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="return-level"' in page
    assert client.post(f"/tasks/{task.id}/return", data={"reason": "  "}).status_code == 302
    db.session.refresh(task)
    assert task.chain_pos == 1  # no reason, nothing happened
    assert client.post(f"/tasks/{task.id}/return", data={"reason": "请补充说明"}).status_code == 302
    db.session.refresh(task)
    assert task.chain_pos == 0 and task.post_id == post("经办岗").id
    step = db.session.scalars(
        select(TaskStep).where(TaskStep.human_task_id == task.id).order_by(TaskStep.id.desc())
    ).first()
    assert step.answers == {**step.answers, "decision": "return", "opinion": "请补充说明"}


def test_the_handler_adds_the_chief_as_a_signer_from_the_task_page(client, login, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="add-signer"' in page or task.chain == []
    resp = client.post(f"/tasks/{task.id}/add-signer", data={"post_id": str(post("科长岗").id)})
    assert resp.status_code == 302
    db.session.refresh(task)
    assert post("科长岗").id in task.chain
    assert client.post(f"/tasks/{task.id}/add-signer", data={"post_id": "99999999"}).status_code == 409


def test_filing_items_are_acknowledged_in_bulk_and_approvals_are_refused(app, people):
    first = small_road(people)
    filing = [t for t in ready_tasks(first.id) if t.mode == "filing"]
    approval = [t for t in ready_tasks(first.id) if t.mode == "approval"]
    assert filing and approval
    ndrc1 = people["users"]["ndrc1"]
    result = actions.bulk_acknowledge(ndrc1, [filing[0].id, approval[0].id, filing[0].id])
    db.session.commit()
    assert result.done == [filing[0].id] and list(result.refused) == [approval[0].id]
    db.session.refresh(filing[0])
    assert filing[0].state == "completed" and filing[0].completed_by_id == ndrc1.id
    again = actions.bulk_acknowledge(ndrc1, [filing[0].id])
    assert again.done == [] and filing[0].id in again.refused


def test_the_inbox_offers_bulk_acknowledgement_only_for_filing_items(client, login, people):
    project = small_road(people)
    (filing,) = ready_tasks(project.id, "ndrc")
    assert filing.mode == "filing"
    login("ndrc1")
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="bulk-acknowledge"' in page and f'value="{filing.id}" form="bulk-form"' in page
    resp = client.post("/acknowledge", data={"task_ids": [str(filing.id), "abc"]}, follow_redirects=True)
    assert "已确认备案 1 项" in resp.get_data(as_text=True)
    db.session.refresh(filing)
    assert filing.state == "completed"


def test_warnings_turn_yellow_near_the_limit_and_red_when_overdue(app, people):
    project = submit(people)
    tasks = ready_tasks(project.id)
    now = utcnow()
    db.session.execute(update(HumanTask).where(HumanTask.id == tasks[0].id).values(due_at=now - timedelta(days=1)))
    db.session.execute(update(HumanTask).where(HumanTask.id == tasks[1].id).values(due_at=now + timedelta(hours=1)))
    db.session.execute(update(HumanTask).where(HumanTask.id == tasks[2].id).values(due_at=now + timedelta(days=60)))
    db.session.commit()
    for t in tasks:
        db.session.refresh(t)
    levels = deadlines.warning_levels(tasks, now)
    assert levels[tasks[0].id] == "red" and levels[tasks[1].id] == "yellow" and levels[tasks[2].id] == "ok"


def test_the_task_page_and_the_nav_show_the_deadline_and_the_waiting_count(client, login, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    db.session.execute(update(HumanTask).where(HumanTask.id == task.id).values(due_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-level="red"' in page
    assert 'data-testid="nav-inbox-count"' in page


def test_the_task_page_draws_its_process_with_the_task_active(client, login, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="task-diagram"' in page
    body = client.get(f"/tasks/{task.id}/diagram.json").get_json()
    assert 'id="joint_signoff"' in body["xml"] and body["positions"]["department_review"] == "active"
    login("unit1")
    assert client.get(f"/tasks/{task.id}/diagram.json").status_code == 404
