"""会签: the holder of a step asks other posts of the department to countersign; the step waits for them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.engine.test_department_chains import answer, post, two_level_chain
from tests.helpers import ready_tasks, submit
from zerolegwork.engine.errors import TaskNotFoundError
from zerolegwork.extensions import db
from zerolegwork.inbox import actions, countersign
from zerolegwork.inbox import services as inbox
from zerolegwork.inbox.errors import CountersignError
from zerolegwork.orgs.models import Post


def _finance_task(people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    return task


def test_the_step_waits_for_every_countersign_then_completes(app, people):
    users = people["users"]
    task = _finance_task(people)
    (row,) = countersign.request(users["finance1"], task.id, [post("科长岗").id])
    db.session.commit()
    with pytest.raises(CountersignError) as refused:
        inbox.complete(users["finance1"], task.id, answer("经办：同意"))
    assert refused.value.reason == "pending"
    db.session.rollback()
    assert [c.id for c, _t in countersign.waiting_for(users["finance_chief"])] == [row.id]
    countersign.sign(users["finance_chief"], row.id, "agree", "同意经办意见。")
    db.session.commit()
    inbox.complete(users["finance1"], task.id, answer("经办：同意"))
    db.session.commit()
    db.session.refresh(task)
    assert task.state == "completed"
    (shown,) = countersign.of_task(task.id)
    assert shown.row.answers["opinion"] == "同意经办意见。" and shown.signer_name == users["finance_chief"].display_name


def test_only_the_holder_asks_and_only_posts_of_the_department(app, people):
    users = people["users"]
    task = _finance_task(people)
    with pytest.raises(TaskNotFoundError):
        countersign.request(users["ndrc1"], task.id, [post("科长岗").id])
    ndrc_post = db.session.scalars(select(Post.id).where(Post.org_id == users["ndrc1"].org_id)).first()
    for posts, reason in [([], "no_posts"), ([ndrc_post], "foreign_post"), ([task.post_id], "own_post")]:
        with pytest.raises(CountersignError) as refused:
            countersign.request(users["finance1"], task.id, posts)
        assert refused.value.reason == reason


def test_a_countersign_is_given_once_by_its_post_only(app, people):
    users = people["users"]
    task = _finance_task(people)
    (row,) = countersign.request(users["finance1"], task.id, [post("科长岗").id])
    db.session.commit()
    with pytest.raises(TaskNotFoundError):
        countersign.sign(users["ndrc1"], row.id, "agree", "不是我的岗位")
    for decision, opinion in [("maybe", "x"), ("agree", " "), ("agree", "长" * 2001)]:
        with pytest.raises(CountersignError):
            countersign.sign(users["finance_chief"], row.id, decision, opinion)
    countersign.sign(users["finance_chief"], row.id, "disagree", "资金来源不清。")
    db.session.commit()
    with pytest.raises(TaskNotFoundError):
        countersign.sign(users["finance_chief"], row.id, "agree", "改主意了")


def test_returning_the_step_withdraws_its_open_invitations(app, people):
    two_level_chain()
    users = people["users"]
    task = _finance_task(people)
    inbox.complete(users["finance1"], task.id, answer("经办：同意"))
    db.session.commit()
    other = db.session.scalars(
        select(Post.id).where(Post.org_id == users["finance1"].org_id, Post.id.not_in([post("科长岗").id]))
    ).first()
    (row,) = countersign.request(users["finance_chief"], task.id, [other])
    db.session.commit()
    actions.return_level(users["finance_chief"], task.id, "请经办补充")
    db.session.commit()
    db.session.refresh(row)
    assert row.state == "withdrawn"
    inbox.complete(users["finance1"], task.id, answer("经办：已补充"))  # nothing open at this step any more
    db.session.commit()


def test_the_pages_ask_show_and_sign(client, login, people):
    task = _finance_task(people)
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="request-countersign"' in page
    assert client.post(f"/tasks/{task.id}/countersign", data={"post_ids": [str(post("科长岗").id)]}).status_code == 302
    resp = client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "同意"})
    assert resp.status_code == 409 and "会签" in resp.get_data(as_text=True)
    login("finance_chief")
    assert 'data-testid="countersign-requests"' in client.get("/").get_data(as_text=True)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="countersign-form"' in page
    (row,) = countersign.of_task(task.id)
    resp = client.post(f"/countersigns/{row.row.id}", data={"decision": "agree", "opinion": "同意。"})
    assert resp.status_code == 302
    login("ndrc1")
    assert client.get(f"/tasks/{task.id}").status_code == 404
