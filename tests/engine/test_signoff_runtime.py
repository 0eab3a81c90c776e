"""The joint sign-off diagram run through the runtime, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.helpers import ready_tasks, revise, sign, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.errors import NotAllowedToActError, TaskNotReadyError
from zerolegwork.engine.forms import FormValidationError
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.projects.models import ProjectState

DEPTS = ["finance", "ndrc", "environment", "housing"]


def test_submission_routes_one_task_to_each_department(any_app, people):
    project = submit(people)
    tasks = ready_tasks(project.id)
    assert sorted(t.org_code for t in tasks) == sorted(DEPTS)
    assert {t.form_key for t in tasks} == {"department_signoff"}
    assert project.state == ProjectState.IN_APPROVAL


def test_all_departments_approve_completes_with_every_opinion_kept(any_app, people):
    project = submit(people)
    for dept in DEPTS:
        result = sign(people, project.id, dept, opinion=f"{dept} 同意")
    assert result.status == "completed"
    opinions = runtime.instance_data(project.instance_id)["opinions"]
    assert sorted(o["department"] for o in opinions) == sorted(DEPTS)
    assert {o["opinion"] for o in opinions} == {f"{d} 同意" for d in DEPTS}
    assert all(o["signed_by"] and o["signed_at"] for o in opinions)
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED
    assert ready_tasks(project.id) == []


def test_a_rejection_returns_the_matter_to_the_project_unit(any_app, people):
    project = submit(people)
    sign(people, project.id, "finance")
    sign(people, project.id, "ndrc", "reject", "投资估算依据不足")
    sign(people, project.id, "environment")
    result = sign(people, project.id, "housing")
    assert result.status == "running"
    (task,) = ready_tasks(project.id)
    assert task.org_code == "demo_unit" and task.bpmn_id == "revise_application"
    db.session.refresh(project)
    assert project.state == ProjectState.RETURNED


def test_resubmission_starts_a_new_round_and_keeps_the_first_rounds_opinions(any_app, people):
    project = submit(people)
    for dept in DEPTS:
        sign(people, project.id, dept, "reject" if dept == "environment" else "approve")
    revise(people, project.id, "resubmit")
    assert sorted(t.org_code for t in ready_tasks(project.id)) == sorted(DEPTS)
    for dept in DEPTS:
        result = sign(people, project.id, dept)
    assert result.status == "completed"
    opinions = result.data["opinions"]
    assert [o["round_no"] for o in opinions].count(1) == 4
    assert [o["round_no"] for o in opinions].count(2) == 4
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED


def test_withdrawal_closes_the_matter(any_app, people):
    project = submit(people)
    for dept in DEPTS:
        sign(people, project.id, dept, "reject")
    result = revise(people, project.id, "withdraw")
    assert result.status == "completed"
    assert result.data["closed_reason"] == "withdrawn"
    db.session.refresh(project)
    assert project.state == ProjectState.CLOSED


def test_completing_a_task_twice_is_a_conflict_and_keeps_the_first_decision(any_app, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    user = people["users"]["finance1"]
    inbox.complete(user, task.id, {"decision": "approve", "opinion": "第一次"})
    db.session.commit()
    with pytest.raises(TaskNotReadyError):
        inbox.complete(user, task.id, {"decision": "reject", "opinion": "第二次"})
    db.session.rollback()
    for dept in ["ndrc", "environment", "housing"]:
        result = sign(people, project.id, dept)
    (finance,) = [o for o in result.data["opinions"] if o["department"] == "finance"]
    assert finance["decision"] == "approve" and finance["opinion"] == "第一次"


def test_another_department_cannot_complete_a_task(any_app, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    with pytest.raises(NotAllowedToActError):
        inbox.complete(people["users"]["ndrc1"], task.id, {"decision": "approve", "opinion": "越权"})


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"decision": "maybe", "opinion": "可以"},
        {"decision": "approve", "opinion": ""},
        {"decision": "approve", "opinion": "x" * 2001},
        {"decision": "approve", "opinion": "好的", "signed_by": "冒名"},
    ],
)
def test_bad_answers_are_refused_and_change_nothing(any_app, people, answers):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    before = db.session.get(ProcessInstance, project.instance_id).state
    with pytest.raises(FormValidationError) as err:
        inbox.complete(people["users"]["finance1"], task.id, answers)
    assert err.value.errors
    db.session.rollback()
    assert db.session.get(ProcessInstance, project.instance_id).state == before
    assert ready_tasks(project.id, "finance")[0].id == task.id


def test_state_is_stored_without_the_spec(any_app, people):
    project = submit(people)
    state = json.loads(db.session.get(ProcessInstance, project.instance_id).state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert "task_specs" not in json.dumps(state)


def test_every_completion_leaves_one_audit_event(any_app, people):
    project = submit(people)
    for dept in DEPTS:
        sign(people, project.id, dept)
    n = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "task.complete"))
    assert n == 4


def test_human_task_index_matches_the_engine(any_app, people):
    project = submit(people)
    sign(people, project.id, "finance")
    rows = db.session.scalars(select(HumanTask).where(HumanTask.project_id == project.id)).all()
    states = sorted((r.org_code, r.state) for r in rows)
    assert states == [
        ("environment", "ready"),
        ("finance", "completed"),
        ("housing", "ready"),
        ("ndrc", "ready"),
    ]
