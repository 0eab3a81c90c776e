"""Migration of running instances (issue 14 item 4), on SQLite and PostgreSQL.

The same four places as the impact tests (tests/engine/test_impact.py): one sign-off waits at the
departments' review, one was returned and waits at the unit's revision, one was resubmitted (it has
passed the revision), one was approved. A new version renames the revision step (处理退回意见 →
处理会签退回意见): only the one that has not reached it may move; it keeps its waiting tasks, their
rows and its data, and from then on follows the new version.
"""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from sqlalchemy import func, select

from tests.engine.places_support import live_definition
from tests.helpers import ready_tasks, sign
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.migrate import MigrationError, migrate_instances
from zerolegwork.engine.models import HumanTask, ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db

FILE = "joint_signoff.bpmn"


def new_version(old: str, new: str) -> ProcessDefinition:
    live = live_definition()
    bundle = copy.deepcopy(live.bundle)
    assert bundle["bpmn"][FILE].count(old) == 1, old
    bundle["bpmn"][FILE] = bundle["bpmn"][FILE].replace(old, new)
    sha = hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()
    target = ProcessDefinition(process_id="joint_signoff", version=live.version + 1, sha256=sha, bundle=bundle)
    db.session.add(target)
    db.session.commit()
    return target


def instance_of(project_id: int) -> ProcessInstance:
    return db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.project_id == project_id).order_by(ProcessInstance.id.desc())
    ).first()


def migrations() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == "instance.migrate"))


RENAME = ('name="处理退回意见"', 'name="处理会签退回意见"')


def test_only_an_instance_before_every_change_moves_and_the_rest_are_refused_with_the_step(places, people):
    target = new_version(*RENAME)
    ids = {place: instance_of(pid).id for place, pid in places.items()}
    outcomes = {o.instance_id: o for o in migrate_instances(ids.values(), target.id, people["users"]["admin"].id)}
    db.session.commit()
    assert outcomes[ids["waiting"]].moved and outcomes[ids["waiting"]].reasons == []
    returned, again = outcomes[ids["returned"]], outcomes[ids["again"]]
    assert not returned.moved and any("waiting at a changed step: 处理退回意见" in r for r in returned.reasons)
    assert not again.moved and any("has passed a changed step: 处理退回意见" in r for r in again.reasons)
    assert not outcomes[ids["approved"]].moved and "not running" in outcomes[ids["approved"]].reasons[0]
    db.session.expire_all()
    assert instance_of(places["waiting"]).definition_id == target.id
    assert instance_of(places["returned"]).definition_id != target.id
    assert migrations() == 1


def test_a_moved_instance_keeps_its_tasks_and_data_and_then_follows_the_new_version(places, people):
    target = new_version(*RENAME)
    project_id = places["waiting"]
    before = {(t.id, t.task_guid, t.state) for t in ready_tasks(project_id)}
    data_before = runtime.task_context(ready_tasks(project_id)[0])
    (outcome,) = migrate_instances([instance_of(project_id).id], target.id, None)
    db.session.commit()
    assert outcome.moved and outcome.from_version == target.version - 1
    db.session.expire_all()
    assert {(t.id, t.task_guid, t.state) for t in ready_tasks(project_id)} == before
    assert runtime.task_context(ready_tasks(project_id)[0]) == data_before
    for dept in sorted(t.org_code for t in ready_tasks(project_id)):
        sign(people, project_id, dept, "reject" if dept == "finance" else "approve")
    (revision,) = ready_tasks(project_id, "demo_unit")
    assert revision.title == "处理会签退回意见"  # the new version's step


def test_a_dry_run_decides_the_same_and_changes_nothing(places, people):
    target = new_version(*RENAME)
    ids = [instance_of(pid).id for pid in places.values()]
    states = {
        i: (db.session.get(ProcessInstance, i).state, db.session.get(ProcessInstance, i).definition_id) for i in ids
    }
    tasks = db.session.scalar(select(func.count()).select_from(HumanTask))
    dry = migrate_instances(ids, target.id, None, dry_run=True)
    db.session.commit()
    db.session.expire_all()
    assert [o.moved for o in dry] == [o.moved for o in migrate_instances(ids, target.id, None, dry_run=True)]
    assert sum(o.moved for o in dry) == 1
    assert {
        i: (db.session.get(ProcessInstance, i).state, db.session.get(ProcessInstance, i).definition_id) for i in ids
    } == states
    assert db.session.scalar(select(func.count()).select_from(HumanTask)) == tasks
    assert migrations() == 0


def test_a_change_where_it_waits_refuses_it_and_names_the_step(places, people):
    target = new_version('name="部门审查"', 'name="部门联合审查"')
    (outcome,) = migrate_instances([instance_of(places["waiting"]).id], target.id, None)
    assert not outcome.moved and outcome.reasons == ["waiting at a changed step: 部门审查 (department_review)"]


def test_moving_to_the_version_it_runs_or_another_process_is_refused(places, people):
    instance = instance_of(places["waiting"])
    (same,) = migrate_instances([instance.id], instance.definition_id, None)
    assert not same.moved and same.reasons[0].startswith("already runs")
    other = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id != "joint_signoff")).first()
    (wrong,) = migrate_instances([instance.id], other.id, None)
    assert not wrong.moved and "another process" in wrong.reasons[0]
    with pytest.raises(MigrationError):
        migrate_instances([instance.id], 999_999, None)


def with_a_step_after_the_tally(xml: str) -> str:
    """The draft inserts a script step 记录本轮 between 汇总部门意见 and the gateway."""
    xml = xml.replace(
        "<bpmn:flowNodeRef>tally</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>tally</bpmn:flowNodeRef><bpmn:flowNodeRef>note_round</bpmn:flowNodeRef>",
        1,
    )
    xml = xml.replace(
        "<bpmn:outgoing>flow_tally_gw</bpmn:outgoing>", "<bpmn:outgoing>flow_tally_note</bpmn:outgoing>", 1
    )
    return xml.replace(
        '<bpmn:sequenceFlow id="flow_tally_gw" sourceRef="tally" targetRef="gw_all_approved" />',
        '<bpmn:scriptTask id="note_round" name="记录本轮"><bpmn:incoming>flow_tally_note</bpmn:incoming>'
        '<bpmn:outgoing>flow_tally_gw</bpmn:outgoing><bpmn:script>round_note = "checked"</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="flow_tally_note" sourceRef="tally" targetRef="note_round" />'
        '<bpmn:sequenceFlow id="flow_tally_gw" sourceRef="note_round" targetRef="gw_all_approved" />',
    )


def test_a_step_added_ahead_of_a_moved_instance_is_run(places, people):
    live = live_definition()
    xml = live.bundle["bpmn"][FILE]
    bundle = copy.deepcopy(live.bundle)
    bundle["bpmn"][FILE] = with_a_step_after_the_tally(xml)
    assert bundle["bpmn"][FILE] != xml
    sha = hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()
    target = ProcessDefinition(process_id="joint_signoff", version=live.version + 1, sha256=sha, bundle=bundle)
    db.session.add(target)
    db.session.commit()
    project_id = places["waiting"]
    (outcome,) = migrate_instances([instance_of(project_id).id], target.id, None)
    db.session.commit()
    assert outcome.moved, outcome.reasons
    for dept in sorted(t.org_code for t in ready_tasks(project_id)):
        sign(people, project_id, dept, "approve")
    db.session.expire_all()
    instance = instance_of(project_id)
    assert instance.status == "completed"
    assert runtime.instance_data(instance.id).get("round_note") == "checked"
