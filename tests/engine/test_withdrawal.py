"""The submitter withdraws (撤回) before any department has acted; not after."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import ready_tasks, revise, sign, submit
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.projects.errors import WithdrawRefusedError
from zerolegwork.projects.models import ProjectState


def test_a_submission_nobody_acted_on_is_withdrawn_and_can_be_submitted_again(any_app, people):
    project = submit(people)
    instance_id = project.instance_id
    projects.withdraw(people["users"]["unit1"], project.id, "材料有误，重新整理")
    db.session.commit()
    db.session.refresh(project)
    assert project.state == ProjectState.DRAFT and project.instance_id is None
    assert db.session.get(ProcessInstance, instance_id).status == "cancelled"
    states = set(db.session.scalars(select(HumanTask.state).where(HumanTask.instance_id == instance_id)))
    assert states == {"cancelled"}
    submit(people)
    assert len(ready_tasks(project.id)) == 4


def test_after_a_department_acted_withdrawal_is_refused(any_app, people):
    project = submit(people)
    sign(people, project.id, "finance")
    with pytest.raises(WithdrawRefusedError):
        projects.withdraw(people["users"]["unit1"], project.id, "")


def test_a_resubmitted_round_can_be_withdrawn_until_someone_acts_on_it(any_app, people):
    project = submit(people)
    for dept in ["finance", "ndrc", "environment", "housing"]:
        sign(people, project.id, dept, "reject" if dept == "ndrc" else "approve")
    revise(people, project.id, "resubmit")
    projects.withdraw(people["users"]["unit1"], project.id, "")
    db.session.commit()
    db.session.refresh(project)
    assert project.state == ProjectState.DRAFT


def test_withdrawal_over_http_only_by_the_unit(client, login, people):
    project = people["projects"][0]
    login("unit1")
    client.post(f"/projects/{project.id}/submit")
    login("finance1")
    assert client.post(f"/projects/{project.id}/withdraw").status_code == 404
    login("unit1")
    assert client.post(f"/projects/{project.id}/withdraw", data={"reason": "重新整理"}).status_code == 302
    db.session.refresh(project)
    assert project.state == ProjectState.DRAFT
    assert client.post(f"/projects/{project.id}/withdraw").status_code == 409
