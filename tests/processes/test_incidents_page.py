"""Incidents in 流程管理: a matter whose script failed is listed with its reason and data; after the
diagram is fixed, deployed and the matter moved to the fixed version, a retry lets its task be done."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.engine.test_concurrency import deploy_probe
from tests.engine.test_incidents import LOOP, start_probe, unit_actor
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.errors import InstanceIncidentError
from zerolegwork.engine.migrate import migrate_instances
from zerolegwork.engine.models import ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db


def test_an_incident_is_listed_then_fixed_moved_retried_and_its_task_done(client, login, people, tmp_path):
    deploy_probe(tmp_path / "broken", SCRIPT="x = 1 / 0")
    instance, task = start_probe()
    with pytest.raises(InstanceIncidentError):
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    login("analyst")
    page = client.get("/processes/incidents").get_data(as_text=True)
    assert f'data-testid="incident-{instance.id}"' in page and "ZeroDivisionError" in page
    assert "project_unit" in page  # the matter's data
    deploy_probe(tmp_path / "fixed", SCRIPT="x = 1")
    fixed = db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == "probe")
        .order_by(ProcessDefinition.version.desc())
    ).first()
    assert f"v{fixed.version}" in client.get("/processes/incidents").get_data(as_text=True)
    (moved,) = migrate_instances([instance.id], fixed.id, people["users"]["analyst"].id)
    db.session.commit()
    assert moved.moved, moved.reasons
    response = client.post(f"/processes/incidents/{instance.id}/retry", follow_redirects=True)
    assert "已重试：事项恢复办理" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "running"
    assert db.session.get(ProcessInstance, instance.id).incident is None
    runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(instance.id))).all()
    assert "instance.retry" in actions and "instance.migrate" in actions
    assert 'data-testid="incidents-empty"' in client.get("/processes/incidents").get_data(as_text=True)


def test_retrying_a_failed_completion_hands_the_task_back_and_a_second_retry_is_refused(
    client, login, people, tmp_path
):
    deploy_probe(tmp_path, SCRIPT=LOOP)
    instance, task = start_probe()
    with pytest.raises(InstanceIncidentError):
        runtime.complete_task(task.id, {"action": "resubmit"}, unit_actor(people))
    db.session.commit()
    login("analyst")
    response = client.post(f"/processes/incidents/{instance.id}/retry", follow_redirects=True)
    # the failure was in the person's completion: the engine has nothing to run, so the matter runs again
    assert "已重试" in response.get_data(as_text=True)
    again = client.post(f"/processes/incidents/{instance.id}/retry", follow_redirects=True)
    assert "已不再处于异常状态" in again.get_data(as_text=True)


def test_only_analysts_see_incidents(client, login, people):
    login("unit1")
    assert client.get("/processes/incidents").status_code == 404
    assert client.post("/processes/incidents/1/retry").status_code == 404
