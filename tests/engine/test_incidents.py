"""A script past its time limit stops, marks an incident and writes nothing half-way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.engine.test_concurrency import deploy_probe
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.errors import InstanceIncidentError
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.engine.routing import actor_for
from zerolegwork.extensions import db


def unit_actor(people):
    return actor_for(people["users"]["unit1"])


# not visibly endless (check-bpmn refuses `while True:` without a break): stopped at run time
LOOP = "n = 0\nwhile n >= 0:\n    n = n + 1"


def start_probe() -> tuple[ProcessInstance, HumanTask]:
    result = runtime.start_instance("probe", {"project_unit": "demo_unit", "review_limit": "P5D"})
    db.session.commit()
    (task,) = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == result.instance_id))
    return db.session.get(ProcessInstance, result.instance_id), task


def test_an_endless_loop_is_stopped_and_leaves_an_incident(any_app, tmp_path, people):
    deploy_probe(tmp_path, SCRIPT=LOOP)
    instance, task = start_probe()
    state_before = instance.state
    with pytest.raises(InstanceIncidentError) as err:
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    assert "time limit" in err.value.reason or "limit" in err.value.reason
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.status == "incident"
    assert instance.state == state_before
    assert db.session.get(HumanTask, task.id).state == "ready"
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(instance.id))).all()
    assert "instance.incident" in events and "task.complete" not in events


def test_an_instance_in_incident_refuses_further_work(any_app, tmp_path, people):
    deploy_probe(tmp_path, SCRIPT=LOOP)
    _, task = start_probe()
    with pytest.raises(InstanceIncidentError):
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    with pytest.raises(InstanceIncidentError):
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))


def test_a_failing_script_is_an_incident_too(any_app, tmp_path, people):
    deploy_probe(tmp_path, SCRIPT="x = 1 / 0")
    _, task = start_probe()
    with pytest.raises(InstanceIncidentError) as err:
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    assert "ZeroDivisionError" in err.value.reason


def test_the_probe_diagram_runs_its_dmn_and_script_in_the_restricted_engine(any_app, tmp_path, people):
    deploy_probe(tmp_path)
    _, task = start_probe()
    result = runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    assert result.status == "completed"
    assert result.data["route"] == "a" and result.data["outcome"] == "a-done"
