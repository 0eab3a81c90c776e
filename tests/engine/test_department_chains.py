"""Inside a department a sign-off passes through its own chain of posts; substitutes act for the absent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.helpers import ready_tasks, sign, submit
from zerolegwork.engine.errors import NotAllowedToActError
from zerolegwork.engine.routing import actor_for, today_local
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs import structure
from zerolegwork.orgs.models import ApprovalMode, Organisation, Post, Substitution

OTHERS = ["ndrc", "environment", "housing"]


def finance() -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.code == "finance")).one()


def post(name: str) -> Post:
    return db.session.scalars(select(Post).where(Post.org_id == finance().id, Post.name == name)).one()


def two_level_chain() -> None:
    structure.set_chain(finance(), ApprovalMode.APPROVAL, [post("经办岗"), post("科长岗")])
    db.session.commit()


def answer(opinion: str, decision: str = "approve") -> dict[str, str]:
    return {"decision": decision, "opinion": opinion}


def test_the_handler_acts_first_then_the_section_chief(any_app, people):
    two_level_chain()
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    assert task.post_id == post("经办岗").id
    rows, _ = inbox.inbox(users["finance_chief"])
    assert task.id not in [r.task.id for r in rows]
    with pytest.raises(NotAllowedToActError):
        inbox.complete(users["finance_chief"], task.id, answer("越级"))
    db.session.rollback()
    inbox.complete(users["finance1"], task.id, answer("经办意见：同意"))
    db.session.commit()
    db.session.refresh(task)
    assert task.state == "ready" and task.post_id == post("科长岗").id and task.chain_pos == 1
    assert task.id not in [r.task.id for r in inbox.inbox(users["finance1"])[0]]
    assert task.id in [r.task.id for r in inbox.inbox(users["finance1"], done=True)[0]]
    assert task.id in [r.task.id for r in inbox.inbox(users["finance_chief"])[0]]
    inbox.complete(users["finance_chief"], task.id, answer("科长意见：同意"))
    db.session.commit()
    for dept in OTHERS:
        result = sign(people, project.id, dept)
    (fin,) = [o for o in result.data["opinions"] if o["department"] == "finance"]
    assert fin["opinion"] == "科长意见：同意" and fin["signed_by"] == users["finance_chief"].display_name
    assert [lv["opinion"] for lv in fin["levels"]] == ["经办意见：同意"]


def test_a_changed_chain_routes_new_work_and_leaves_running_work_alone(any_app, people):
    users = people["users"]
    first = submit(people, 0)
    two_level_chain()
    second = submit(people, 1)
    (old,) = ready_tasks(first.id, "finance")
    (new,) = ready_tasks(second.id, "finance")
    assert len(old.chain) == 1 and len(new.chain) == 2
    inbox.complete(users["finance1"], old.id, answer("旧链一步完成"))
    db.session.commit()
    db.session.refresh(old)
    assert old.state == "completed"
    inbox.complete(users["finance1"], new.id, answer("新链第一步"))
    db.session.commit()
    db.session.refresh(new)
    assert new.state == "ready" and new.chain_pos == 1


def test_a_substitute_acts_for_the_absent_chief_within_the_dates_only(any_app, people):
    two_level_chain()
    users = people["users"]
    chief, handler = users["finance_chief"], users["finance1"]
    today = today_local()
    db.session.add(
        Substitution(user_id=chief.id, substitute_id=handler.id, starts_on=today, ends_on=today + timedelta(days=3))
    )
    db.session.commit()
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    inbox.complete(handler, task.id, answer("经办：同意"))
    db.session.commit()
    assert task.id in [r.task.id for r in inbox.inbox(handler)[0]]
    assert actor_for(handler, today + timedelta(days=4)).covering == {}
    inbox.complete(handler, task.id, answer("代科长签：同意"))
    db.session.commit()
    for dept in OTHERS:
        result = sign(people, project.id, dept)
    (fin,) = [o for o in result.data["opinions"] if o["department"] == "finance"]
    assert fin["signed_by_id"] == handler.id and fin["signed_for_id"] == chief.id


def test_a_member_without_the_post_cannot_act(any_app, people):
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    with pytest.raises(NotAllowedToActError):
        inbox.complete(users["finance_admin"], task.id, answer("管理员不在岗位"))
