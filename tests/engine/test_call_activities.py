"""Call activities across files: resolved by the catalog, run by the runtime, missing ones reported."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from zerolegwork.engine import runtime
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.deploy import deploy_catalog
from zerolegwork.engine.models import HumanTask
from zerolegwork.engine.routing import actor_for
from zerolegwork.extensions import db

FORMS = Path(__file__).resolve().parents[2] / "forms"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="{pid}_defs" targetNamespace="http://zerolegwork.org/bpmn/test">'
)
OUTER = (
    HEAD.format(pid="outer")
    + """
  <bpmn:process id="outer" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:callActivity id="call_inner" calledElement="inner"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:scriptTask id="after"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>finished = revision["action"]</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_inner" />
    <bpmn:sequenceFlow id="f2" sourceRef="call_inner" targetRef="after" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
)
INNER = (
    HEAD.format(pid="inner")
    + """
  <bpmn:process id="inner" isExecutable="true">
    <bpmn:laneSet id="inner_lanes"><bpmn:lane id="lane_unit" name="project_unit"><bpmn:flowNodeRef>fill</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="fill" name="填写">
      <bpmn:extensionElements>
        <spiffworkflow:properties><spiffworkflow:property name="formKey" value="revise_application" /></spiffworkflow:properties>
        <spiffworkflow:variableName>revision</spiffworkflow:variableName>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
)


def write(folder: Path, with_inner: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outer.bpmn").write_text(OUTER, "utf-8")
    if with_inner:
        (folder / "inner.bpmn").write_text(INNER, "utf-8")
    return folder


def test_a_called_process_in_another_file_is_bundled(tmp_path):
    catalog = load_catalog(write(tmp_path / "bpmn"), FORMS)
    assert catalog.problems == []
    assert set(catalog.bundles["outer"].bpmn) == {"outer.bpmn", "inner.bpmn"}
    assert set(catalog.bundles["outer"].forms) == {"revise_application"}


def test_a_missing_called_process_is_reported(tmp_path):
    catalog = load_catalog(write(tmp_path / "bpmn", with_inner=False), FORMS)
    assert [(p.file, p.element) for p in catalog.problems] == [("outer.bpmn", "outer")]
    assert "inner" in catalog.problems[0].reason and "outer" in catalog.refused


def test_a_user_task_inside_a_called_process_reaches_the_inbox_and_completes_the_caller(any_app, people, tmp_path):
    deploy_catalog(load_catalog(write(tmp_path / "bpmn"), FORMS))
    db.session.commit()
    result = runtime.start_instance("outer", {"project_unit": "demo_unit"})
    db.session.commit()
    (task,) = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == result.instance_id))
    assert task.bpmn_id == "fill" and task.org_code == "demo_unit"
    unit = people["users"]["unit1"]
    done = runtime.complete_task(task.id, {"action": "resubmit"}, actor_for(unit))
    db.session.commit()
    assert done.status == "completed" and done.data["finished"] == "resubmit"
