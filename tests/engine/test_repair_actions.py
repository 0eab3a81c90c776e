"""Skip a failed step, edit an instance's data, terminate it (issue 14 item 5), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.engine.probe_diagrams import write_repair_probe
from tests.engine.test_concurrency import FORMS
from tests.engine.test_incidents import unit_actor
from tests.helpers import submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.deploy import deploy_catalog
from zerolegwork.engine.errors import InstanceIncidentError, TaskNotFoundError, TaskNotReadyError
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.engine.repair import retry_incident, suspend_instance
from zerolegwork.engine.repair_actions import (
    RepairRefusedError,
    edit_data,
    editable_data,
    skip_failed_step,
    terminate_instance,
)
from zerolegwork.extensions import db

START = {"project_unit": "demo_unit", "a": 1}


def deploy_repair_probe(tmp_path, **slots: str) -> None:
    catalog = load_catalog(write_repair_probe(tmp_path / "bpmn", **slots), FORMS)
    assert not catalog.problems, catalog.problems
    deploy_catalog(catalog)
    db.session.commit()


def start_failing() -> int:
    """Start the repair probe where a script fails at once: the incident is in an engine step."""
    with pytest.raises(InstanceIncidentError) as err:
        runtime.start_instance("repair_probe", START)
    db.session.commit()
    return err.value.instance_id


def instance(instance_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def tasks_of(instance_id: int) -> list[HumanTask]:
    db.session.expire_all()
    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)))


def events(instance_id: int, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(instance_id), AuditEvent.action == action)
        )
    )


def test_skipping_a_failed_script_runs_on_and_the_persons_task_reaches_the_inbox(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, PREPARE="y = 1 / 0", CHECK="z = 2")
    iid = start_failing()
    result = skip_failed_step(iid, people["users"]["analyst"].id, "该步骤的计算已线下完成")
    db.session.commit()
    assert result.element == "prepare" and result.next_incident is None
    row = instance(iid)
    assert row.status == "running" and row.incident is None
    (task,) = tasks_of(iid)
    assert task.state == "ready" and task.bpmn_id == "review"
    (event,) = events(iid, "instance.skip")
    assert event.detail["element"] == "prepare" and event.detail["reason"] == "该步骤的计算已线下完成"
    assert "ZeroDivisionError" in event.detail["error"]
    done = runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    assert done.status == "completed"


def test_when_the_step_after_a_skip_fails_too_it_becomes_the_new_incident(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, PREPARE="y = 1 / 0", CHECK="z = missing + 1")
    iid = start_failing()
    first = skip_failed_step(iid, None, "跳过准备")
    db.session.commit()
    assert first.element == "prepare" and "missing" in (first.next_incident or "")
    row = instance(iid)
    assert row.status == "incident" and "missing" in row.incident and tasks_of(iid) == []
    second = skip_failed_step(iid, None, "跳过核对")
    db.session.commit()
    assert second.element == "check" and second.next_incident is None
    assert instance(iid).status == "running"
    assert [t.bpmn_id for t in tasks_of(iid)] == ["review"]


def person_step_incident(people) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Start the probe and let the person's completion fail in the script after it: (instance id, task id)."""
    result = runtime.start_instance("repair_probe", START)
    db.session.commit()
    (task,) = tasks_of(result.instance_id)
    with pytest.raises(InstanceIncidentError):
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    return result.instance_id, task.id


def test_an_incident_in_a_persons_completion_cannot_be_skipped(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, FINISH="w = 1 / 0")
    iid, _task = person_step_incident(people)
    state = instance(iid).state
    with pytest.raises(RepairRefusedError) as err:
        skip_failed_step(iid, None, "跳过")
    db.session.rollback()
    assert err.value.reason == "person_step"
    row = instance(iid)
    assert row.status == "incident" and row.state == state
    assert events(iid, "instance.skip") == []


def test_skip_needs_a_reason_an_incident_and_an_existing_instance(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, PREPARE="y = 1 / 0", CHECK="z = 2")
    iid = start_failing()
    with pytest.raises(RepairRefusedError) as err:
        skip_failed_step(iid, None, "  ")
    assert err.value.reason == "no_reason"
    with pytest.raises(TaskNotFoundError):
        skip_failed_step(999_999, None, "原因")
    db.session.rollback()
    skip_failed_step(iid, None, "原因")
    db.session.commit()
    with pytest.raises(TaskNotReadyError):
        skip_failed_step(iid, None, "再跳过")


def test_edited_data_is_what_the_retry_runs_with(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, PREPARE="y = missing + 1")
    iid = start_failing()
    shown = editable_data(iid)
    assert shown == START
    changed = edit_data(iid, json.dumps({**shown, "missing": 41}), people["users"]["analyst"].id)
    db.session.commit()
    assert changed == ["missing"]
    (event,) = events(iid, "instance.data_edited")
    assert event.detail["after"] == {"missing": 41} and event.detail["before"] == {}
    assert retry_incident(iid, None) is None
    db.session.commit()
    (task,) = tasks_of(iid)
    assert runtime.task_context(task)["y"] == 42 and runtime.task_context(task)["z"] == 43


def test_editing_data_records_only_the_changed_keys_and_can_remove_one(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, PREPARE="y = 1 / (a - 1)")
    iid = start_failing()
    edit_data(iid, json.dumps({"project_unit": "demo_unit", "a": 0, "b": "新"}), None)
    edit_data(iid, json.dumps({"project_unit": "demo_unit", "a": 2}), None)
    db.session.commit()
    first, second = events(iid, "instance.data_edited")
    assert first.detail["before"] == {"a": 1} and first.detail["after"] == {"a": 0, "b": "新"}
    assert second.detail["before"] == {"a": 0, "b": "新"} and second.detail["removed"] == ["b"]
    assert editable_data(iid) == {"project_unit": "demo_unit", "a": 2}
    assert retry_incident(iid, None) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "not_object"),
        ('"text"', "not_object"),
        (json.dumps({"x": "a" * 300_000}), "too_large"),
        (json.dumps({"not a name": 1}), "bad_key"),
        (json.dumps({"_hidden": 1}), "bad_key"),
        (json.dumps({"len": 1}), "bad_key"),
        (json.dumps({**START, "signed_by": "某人"}), "reserved"),
    ],
)
def test_edited_data_must_be_a_small_object_of_script_names_without_platform_keys(app, tmp_path, people, text, reason):
    deploy_repair_probe(tmp_path, PREPARE="y = 1 / 0")
    iid = start_failing()
    with pytest.raises(RepairRefusedError) as err:
        edit_data(iid, text, None)
    assert err.value.reason == reason
    db.session.rollback()
    assert events(iid, "instance.data_edited") == []


def test_only_an_incidents_or_a_suspended_instances_data_can_be_edited(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path)
    result = runtime.start_instance("repair_probe", START)
    db.session.commit()
    with pytest.raises(TaskNotReadyError):
        edit_data(result.instance_id, json.dumps({"a": 2}), None)
    db.session.rollback()
    suspend_instance(result.instance_id, None, "检查数据")
    db.session.commit()
    assert editable_data(result.instance_id)["z"] == 2
    assert edit_data(result.instance_id, json.dumps({**editable_data(result.instance_id), "note": "改"}), None) == [
        "note"
    ]
    db.session.commit()


def test_terminating_a_suspended_signoff_cancels_every_task_so_no_inbox_keeps_one(any_app, people):
    project = submit(people, 0)
    row = db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project.id)).one()
    suspend_instance(row.id, None, "待定")
    db.session.commit()
    assert {t.state for t in tasks_of(row.id)} == {"suspended"}
    assert terminate_instance(row.id, people["users"]["analyst"].id, "项目取消") == 4
    db.session.commit()
    assert instance(row.id).status == "cancelled" and instance(row.id).next_timer_at is None
    assert {t.state for t in tasks_of(row.id)} == {"cancelled"}
    (event,) = events(row.id, "instance.terminated")
    assert event.detail["reason"] == "项目取消" and event.detail["before"] == "suspended" and event.detail["tasks"] == 4


def test_terminating_an_incident_cancels_its_blocked_tasks(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, FINISH="w = 1 / 0")
    iid, _task = person_step_incident(people)
    assert terminate_instance(iid, None, "放弃") == 1
    db.session.commit()
    assert [t.state for t in tasks_of(iid)] == ["cancelled"]
    assert instance(iid).status == "cancelled"


def test_a_completed_instance_cannot_be_terminated_and_a_reason_is_required(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path)
    result = runtime.start_instance("repair_probe", START)
    db.session.commit()
    with pytest.raises(RepairRefusedError):
        terminate_instance(result.instance_id, None, " ")
    (task,) = tasks_of(result.instance_id)
    runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    with pytest.raises(TaskNotReadyError):
        terminate_instance(result.instance_id, None, "终止")
    db.session.rollback()
    with pytest.raises(TaskNotFoundError):
        terminate_instance(999_999, None, "终止")


def test_cancelling_an_instance_cancels_its_suspended_tasks_too(any_app, people):
    project = submit(people, 0)
    row = db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project.id)).one()
    suspend_instance(row.id, None, "待定")
    db.session.commit()
    from zerolegwork.engine import store

    locked = store.lock_instance(row.id)
    assert store.cancel_instance(locked) == 4
    db.session.commit()
    assert {t.state for t in tasks_of(row.id)} == {"cancelled"}


def test_skipping_a_boundary_timer_that_cannot_be_set_drops_it_and_the_task_goes_on(any_app, tmp_path, people):
    from tests.engine.test_concurrency import deploy_probe

    deploy_probe(tmp_path, TIMER="no_such_limit")
    with pytest.raises(InstanceIncidentError) as err:
        runtime.start_instance("probe", {"project_unit": "demo_unit"})
    db.session.commit()
    iid = err.value.instance_id
    result = skip_failed_step(iid, None, "期限另行约定")
    db.session.commit()
    assert result.element == "review_timer" and result.next_incident is None
    assert instance(iid).status == "running"
    assert [(t.bpmn_id, t.state) for t in tasks_of(iid)] == [("review", "ready")]


def test_data_edited_after_a_persons_failed_completion_is_read_when_they_complete_again(any_app, tmp_path, people):
    deploy_repair_probe(tmp_path, FINISH="w = bonus + 1")
    iid, task_id = person_step_incident(people)
    edit_data(iid, json.dumps({**editable_data(iid), "bonus": 9}), None)
    assert retry_incident(iid, None) is None
    db.session.commit()
    done = runtime.complete_task(task_id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    assert done.status == "completed" and done.data["w"] == 10
