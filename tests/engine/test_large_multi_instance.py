"""A sign-off over more items than the engine state should hold: items kept outside it, same outcome.

The joint sign-off's four departments are made "many" by lowering the limit to 2 (Settings.mi_detach_at),
so the real diagram runs the detached path: one human_task row per item, the answers in instance_item,
the engine state loaded once, at the join.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from tests.engine.wide_support import deploy_wide_signoff, twenty_departments
from tests.helpers import DEPARTMENT_USERS, ready_tasks, revise, sign, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.errors import TaskNotReadyError
from zerolegwork.engine.models import HumanTask, HumanTaskState, InstanceItem, InstanceState, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import User
from zerolegwork.projects.models import ProjectState

DEPTS = ["finance", "ndrc", "environment", "housing"]


@pytest.fixture
def detached(any_app):
    any_app.config["ZLW"].mi_detach_at = 2
    return any_app


def _instance(project) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, project.instance_id)


def test_over_the_limit_each_department_is_an_item_row_and_the_engine_state_holds_no_child_task(detached, people):
    project = submit(people)
    tasks = ready_tasks(project.id)
    assert sorted(t.org_code for t in tasks) == sorted(DEPTS)
    assert len({t.item_of for t in tasks}) == 1 and tasks[0].item_of is not None
    assert sorted(t.item_index for t in tasks) == [0, 1, 2, 3]
    assert len({t.task_guid for t in tasks}) == 4
    assert {t.title for t in tasks} == {"部门审查"}  # as the child tasks are called (the department is the row's)
    assert {t.form_key for t in tasks} == {"department_signoff"} and all(t.chain for t in tasks)
    state = _instance(project).state
    assert "department_review [child]" not in state
    assert project.state == ProjectState.IN_APPROVAL


def test_at_the_limit_the_departments_stay_child_tasks_in_the_engine(any_app, people):
    any_app.config["ZLW"].mi_detach_at = 4
    project = submit(people)
    tasks = ready_tasks(project.id)
    assert len(tasks) == 4 and not any(t.item_of for t in tasks)
    assert "department_review [child]" in _instance(project).state


def test_every_opinion_reaches_the_tally_in_the_collections_order_and_the_project_is_approved(detached, people):
    project = submit(people)
    order = {t.org_code: t.item_index for t in ready_tasks(project.id)}
    for dept in reversed(DEPTS):
        result = sign(people, project.id, dept, opinion=f"{dept} 同意")
    assert result.status == "completed"
    opinions = result.data["opinions"]
    assert [o["department"] for o in opinions] == sorted(DEPTS, key=order.__getitem__)
    assert [o["opinion"] for o in opinions] == [f"{o['department']} 同意" for o in opinions]
    assert all(o["signed_by"] and o["signed_at"] and o["round_no"] == 1 for o in opinions)
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED
    assert ready_tasks(project.id) == []


def test_a_rejection_returns_the_matter_and_the_resubmission_draws_a_new_round_of_items(detached, people):
    project = submit(people)
    for dept in DEPTS:
        result = sign(people, project.id, dept, "reject" if dept == "environment" else "approve")
    (task,) = ready_tasks(project.id)
    assert task.bpmn_id == "revise_application" and task.item_of is None
    db.session.refresh(project)
    assert project.state == ProjectState.RETURNED
    first_round = {t.item_of for t in db.session.scalars(select(HumanTask).where(HumanTask.item_of.is_not(None)))}
    revise(people, project.id, "resubmit")
    second = ready_tasks(project.id)
    assert sorted(t.org_code for t in second) == sorted(DEPTS)
    assert {t.item_of for t in second}.isdisjoint(first_round)
    for dept in DEPTS:
        result = sign(people, project.id, dept)
    rounds = [o["round_no"] for o in result.data["opinions"]]
    assert rounds.count(1) == 4 and rounds.count(2) == 4
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED


def test_an_item_completion_before_the_last_leaves_the_engine_state_and_its_version_untouched(detached, people):
    project = submit(people)
    before = _instance(project)
    state, version = before.state, before.version
    (task,) = ready_tasks(project.id, "finance")
    user = db.session.get(User, people["users"]["finance1"].id)
    assert user.org.code == "finance"  # loaded before counting, as the login manager does
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        inbox.complete(user, task.id, {"decision": "approve", "opinion": "同意"})
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    after = _instance(project)
    assert (after.state, after.version) == (state, version)
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE PROCESS_INSTANCE")]
    # claim check, lock + task, the item's row, its answers, the items still open, the audit events
    assert len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT"))]) <= 6
    answers = db.session.scalars(select(InstanceItem.answers)).all()
    assert [a["decision"] for a in answers] == ["approve"] and answers[0]["signed_by"]


def test_the_same_item_completed_twice_is_refused_and_counted_once(detached, people):
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
    n = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "task.complete", AuditEvent.object_id == str(task.id)
        )
    )
    assert n == 1


def test_an_item_page_shows_the_matters_data_with_its_own_department(detached, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "ndrc")
    data = runtime.task_context(db.session.get(HumanTask, task.id))
    assert data["department"] == "ndrc"
    assert data["round_no"] == 1 and "departments" in data


def test_withdrawing_the_matter_cancels_every_open_item(detached, people):
    project = submit(people)
    sign(people, project.id, "finance")
    runtime.cancel_instance(project.instance_id, people["users"]["unit1"].id, "撤回")
    db.session.commit()
    states = sorted(db.session.scalars(select(HumanTask.state).where(HumanTask.item_of.is_not(None))))
    assert states == [HumanTaskState.CANCELLED] * 3 + [HumanTaskState.COMPLETED]
    assert _instance(project).status == InstanceState.CANCELLED


def test_another_department_cannot_complete_an_item(detached, people):
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    from zerolegwork.engine.errors import NotAllowedToActError

    with pytest.raises(NotAllowedToActError):
        inbox.complete(people["users"][DEPARTMENT_USERS["ndrc"]], task.id, {"decision": "approve", "opinion": "越权"})


def test_the_stored_state_does_not_grow_with_the_items_but_only_with_their_collection(any_app, people, tmp_path):
    any_app.config["ZLW"].mi_detach_at = 3
    deploy_wide_signoff(tmp_path)
    codes = [code for code, _ in twenty_departments()]
    sizes = {}
    for n in (20, 400):
        started = runtime.start_instance(
            "wide_signoff", {"departments": (codes * 20)[:n], "signoff_mode": "wide", "tally_runs": 0}
        )
        db.session.commit()
        instance = db.session.get(ProcessInstance, started.instance_id)
        collection = len(json.dumps((codes * 20)[:n]))
        sizes[n] = len(instance.state) - 2 * collection  # the collection: the input and the task's copy
        rows = db.session.scalar(select(func.count(HumanTask.id)).where(HumanTask.instance_id == instance.id))
        assert rows == n
    assert sizes[400] <= sizes[20] * 1.1, sizes


def test_the_last_item_of_twenty_signed_one_by_one_runs_the_join_once(any_app, people, tmp_path):
    any_app.config["ZLW"].mi_detach_at = 3
    deploy_wide_signoff(tmp_path)
    departments = twenty_departments()
    started = runtime.start_instance(
        "wide_signoff", {"departments": [code for code, _ in departments], "signoff_mode": "wide", "tally_runs": 0}
    )
    db.session.commit()
    tasks = dict(
        db.session.execute(
            select(HumanTask.org_code, HumanTask.id).where(HumanTask.instance_id == started.instance_id)
        ).all()
    )
    for code, user_id in departments:
        result = inbox.complete(db.session.get(User, user_id), tasks[code], {"decision": "approve", "opinion": "同意"})
        db.session.commit()
    assert result.status == InstanceState.COMPLETED
    data = runtime.instance_data(started.instance_id)
    assert data["tallied"] == 20 and data["tally_runs"] == 1


def test_a_limit_below_one_item_is_refused_at_start_up():
    from zerolegwork.config import Settings, UnsafeConfigError

    with pytest.raises(UnsafeConfigError, match="ZLW_MI_DETACH_AT"):
        Settings(env="development", mi_detach_at=0).check()


def test_a_failing_tally_after_the_last_item_is_an_incident_that_keeps_the_last_item_ready(any_app, people, tmp_path):
    from zerolegwork.engine import repair, repair_actions
    from zerolegwork.engine.errors import InstanceIncidentError

    any_app.config["ZLW"].mi_detach_at = 3
    deploy_wide_signoff(tmp_path)
    departments = twenty_departments()[:5]
    # no tally_runs in the start data: the tally script fails when it runs
    started = runtime.start_instance("wide_signoff", {"departments": [code for code, _ in departments]})
    db.session.commit()
    tasks = dict(
        db.session.execute(
            select(HumanTask.org_code, HumanTask.id).where(HumanTask.instance_id == started.instance_id)
        ).all()
    )
    for code, user_id in departments[:4]:
        inbox.complete(db.session.get(User, user_id), tasks[code], {"decision": "approve", "opinion": "同意"})
        db.session.commit()
    last_code, last_user = departments[4]
    with pytest.raises(InstanceIncidentError):
        inbox.complete(db.session.get(User, last_user), tasks[last_code], {"decision": "approve", "opinion": "同意"})
    db.session.commit()  # what the page does with an incident: the mark is kept
    db.session.expire_all()
    assert db.session.get(ProcessInstance, started.instance_id).status == InstanceState.INCIDENT
    assert db.session.get(HumanTask, tasks[last_code]).state == HumanTaskState.READY
    assert db.session.scalar(select(func.count(InstanceItem.id))) == 4
    # the analyst adds the missing figure and retries; the last department signs again
    shown = repair_actions.editable_data(started.instance_id)
    assert "decisions" in shown and "tally_runs" not in shown
    repair_actions.edit_data(started.instance_id, json.dumps({**shown, "tally_runs": 0}), None)
    assert repair.retry_incident(started.instance_id, None) is None
    db.session.commit()
    result = inbox.complete(
        db.session.get(User, last_user), tasks[last_code], {"decision": "approve", "opinion": "再签"}
    )
    db.session.commit()
    assert result.status == InstanceState.COMPLETED
    data = runtime.instance_data(started.instance_id)
    assert data["tally_runs"] == 1 and data["tallied"] == 5


def test_many_item_rows_written_in_bulk_equal_the_rows_of_a_small_sign_off(any_app, people, tmp_path):
    # past items.COPY_FROM rows PostgreSQL takes them by COPY: they must be the rows the INSERT writes
    any_app.config["ZLW"].mi_detach_at = 3
    deploy_wide_signoff(tmp_path)
    codes = [code for code, _ in twenty_departments()]
    kept = ("bpmn_id", "title", "form_key", "lane", "org_code", "state", "mode", "chain", "chain_pos", "post_id")
    rows = {}
    for n in (20, 600):
        started = runtime.start_instance("wide_signoff", {"departments": (codes * 30)[:n], "tally_runs": 0})
        db.session.commit()
        found = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == started.instance_id).order_by(HumanTask.item_index)
        ).all()
        assert [t.item_index for t in found] == list(range(n))
        assert len({t.task_guid for t in found}) == n and all(t.created_at.tzinfo for t in found)
        assert [t.id for t in found] == started.new_task_ids  # the ids returned are the rows' own, in order
        rows[n] = [(*(getattr(t, k) for k in kept), t.due_at is None) for t in found[:20]]
    assert rows[600] == rows[20]


def test_an_item_passes_through_the_departments_chain_on_the_task_pages(app, client, login, people):
    from tests.engine.test_department_chains import post, two_level_chain

    app.config["ZLW"].mi_detach_at = 2
    two_level_chain()
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    assert task.item_of is not None and task.post_id == post("经办岗").id
    login("finance1")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and project.name in page.get_data(as_text=True)
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "经办：同意"}).status_code == 302
    db.session.expire_all()
    task = db.session.get(HumanTask, task.id)
    assert task.state == HumanTaskState.READY and task.post_id == post("科长岗").id  # the chief's turn
    client.get("/logout")
    login("finance_chief")
    assert client.get(f"/tasks/{task.id}").status_code == 200
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "科长：同意"}).status_code == 302
    for dept in ["ndrc", "environment", "housing"]:
        result = sign(people, project.id, dept)
    assert result.status == "completed"
    (finance,) = [o for o in result.data["opinions"] if o["department"] == "finance"]
    assert finance["opinion"] == "科长：同意" and [lv["opinion"] for lv in finance["levels"]] == ["经办：同意"]
