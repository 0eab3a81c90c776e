"""Inside a department: return a task to the previous level (退回上一步) and add a signer (加签)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.engine.test_department_chains import answer, finance, post, two_level_chain
from tests.helpers import ready_tasks, sign, submit
from zerolegwork.engine import chains
from zerolegwork.engine.errors import ChainError, NotAllowedToActError
from zerolegwork.engine.models import TaskStep
from zerolegwork.engine.routing import Actor
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import Post


def actor(user) -> Actor:
    return Actor(user.id, user.display_name, user.org.code, user.org.name)


def test_the_chief_returns_the_task_to_the_handler_with_a_reason(any_app, people):
    two_level_chain()
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    inbox.complete(users["finance1"], task.id, answer("经办：同意"))
    db.session.commit()
    chains.return_to_previous_level(task.id, "请补充资金来源说明", actor(users["finance_chief"]))
    db.session.commit()
    db.session.refresh(task)
    assert task.chain_pos == 0 and task.post_id == post("经办岗").id and task.state == "ready"
    steps = db.session.scalars(select(TaskStep).where(TaskStep.human_task_id == task.id).order_by(TaskStep.id)).all()
    assert [s.answers["decision"] for s in steps] == ["approve", "return"]
    assert steps[-1].answers["opinion"] == "请补充资金来源说明"
    inbox.complete(users["finance1"], task.id, answer("经办：已补充"))
    inbox.complete(users["finance_chief"], task.id, answer("科长：同意"))
    db.session.commit()
    db.session.refresh(task)
    assert task.state == "completed"


def test_the_first_level_cannot_return_and_others_cannot_act(any_app, people):
    two_level_chain()
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    with pytest.raises(ChainError):
        chains.return_to_previous_level(task.id, "无", actor(users["finance1"]))
    db.session.rollback()
    with pytest.raises(NotAllowedToActError):
        chains.return_to_previous_level(task.id, "越权", actor(users["ndrc1"]))


def test_the_handler_adds_the_section_chief_as_a_signer(any_app, people):
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    assert len(task.chain) == 1
    chains.add_signer(task.id, post("科长岗").id, actor(users["finance1"]))
    db.session.commit()
    db.session.refresh(task)
    assert task.chain == [post("经办岗").id, post("科长岗").id] and task.post_id == post("经办岗").id
    inbox.complete(users["finance1"], task.id, answer("经办：同意，请科长把关"))
    db.session.commit()
    db.session.refresh(task)
    assert task.state == "ready" and task.post_id == post("科长岗").id
    inbox.complete(users["finance_chief"], task.id, answer("科长：同意"))
    db.session.commit()
    for dept in ["ndrc", "environment", "housing"]:
        result = sign(people, project.id, dept)
    (fin,) = [o for o in result.data["opinions"] if o["department"] == "finance"]
    assert fin["opinion"] == "科长：同意" and fin["levels"][0]["opinion"] == "经办：同意，请科长把关"


def test_a_signer_from_another_department_or_twice_is_refused(any_app, people):
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    other = db.session.scalars(select(Post).where(Post.org_id != finance().id)).first()
    with pytest.raises(ChainError, match="foreign_post"):
        chains.add_signer(task.id, other.id, actor(users["finance1"]))
    db.session.rollback()
    chains.add_signer(task.id, post("科长岗").id, actor(users["finance1"]))
    db.session.commit()
    with pytest.raises(ChainError, match="already_in_chain"):
        chains.add_signer(task.id, post("科长岗").id, actor(users["finance1"]))
