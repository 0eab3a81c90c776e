"""Deployment: one definition per content hash, instances pinned, broken diagrams refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from tests.engine.probe_diagrams import write_probe
from tests.helpers import ready_tasks, sign, submit
from zerolegwork.engine import runtime
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.deploy import deploy_catalog
from zerolegwork.engine.models import ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"


def definitions(pid: str) -> list[ProcessDefinition]:
    return list(
        db.session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.process_id == pid).order_by(ProcessDefinition.version)
        )
    )


def test_redeploying_the_same_files_stores_nothing_new(app):
    report = deploy_catalog(load_catalog(ROOT / "bpmn", FORMS))
    assert "joint_signoff" in report.unchanged and report.deployed == {}
    assert len(definitions("joint_signoff")) == 1


def test_a_changed_diagram_is_a_new_version_and_running_instances_keep_theirs(app, people, tmp_path):
    project = submit(people)
    bpmn = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", bpmn)
    path = bpmn / "joint_signoff.bpmn"
    path.write_text(path.read_text(encoding="utf-8").replace('name="部门审查"', 'name="部门审查（新版）"'), "utf-8")
    report = deploy_catalog(load_catalog(bpmn, FORMS))
    db.session.commit()
    assert report.deployed == {"joint_signoff": 2, "investment": 2, "lifecycle": 2}  # both call it
    old = db.session.get(ProcessInstance, project.instance_id)
    assert old.definition_id == definitions("joint_signoff")[0].id
    assert {t.title for t in ready_tasks(project.id)} == {"部门审查"}
    for dept in ["finance", "ndrc", "environment", "housing"]:
        result = sign(people, project.id, dept)
    assert result.status == "completed"
    second = submit(people, 1)
    assert {t.title for t in ready_tasks(second.id)} == {"部门审查（新版）"}


def test_a_broken_diagram_is_refused_and_the_last_good_version_stays_live(app, people, tmp_path):
    bpmn = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", bpmn)
    path = bpmn / "joint_signoff.bpmn"
    path.write_text(path.read_text(encoding="utf-8").replace("round_no = round_no + 1", "import os"), "utf-8")
    catalog = load_catalog(bpmn, FORMS)
    assert [(p.file, p.element) for p in catalog.problems] == [("joint_signoff.bpmn", "prepare_round")]
    report = deploy_catalog(catalog)
    assert report.refused == ["investment", "joint_signoff", "lifecycle"] and report.deployed == {}
    assert len(definitions("joint_signoff")) == 1
    project = submit(people)
    assert len(ready_tasks(project.id)) == 4


def test_check_bpmn_reports_malformed_xml_missing_forms_and_unknown_calls(app, tmp_path):
    folder = write_probe(tmp_path / "bpmn")
    (folder / "broken.bpmn").write_text("<bpmn:definitions", "utf-8")
    probe = folder / "probe.bpmn"
    probe.write_text(probe.read_text("utf-8").replace('value="revise_application"', 'value="no_such_form"'), "utf-8")
    result = app.test_cli_runner().invoke(
        args=["zlw", "check-bpmn", "--bpmn-dir", str(folder), "--forms-dir", str(FORMS)]
    )
    assert result.exit_code == 1
    assert "broken.bpmn: line 1: malformed XML" in result.output
    assert "probe.bpmn: review: form 'no_such_form' not found in forms/" in result.output


def test_check_bpmn_passes_on_the_repository(app):
    result = app.test_cli_runner().invoke(args=["zlw", "check-bpmn"])
    assert result.exit_code == 0, result.output
    assert "joint_signoff" in result.output


def test_a_user_task_outside_a_lane_is_refused(tmp_path):
    folder = write_probe(tmp_path / "bpmn")
    probe = folder / "probe.bpmn"
    text = probe.read_text("utf-8")
    start, end = text.index("<bpmn:laneSet"), text.index("</bpmn:laneSet>") + len("</bpmn:laneSet>")
    probe.write_text(text[:start] + text[end:], "utf-8")
    problems = load_catalog(folder, FORMS).problems
    assert any(p.element == "review" and "lane" in p.reason for p in problems)


def test_an_instance_pins_its_forms_too(app, people, tmp_path):
    project = submit(people)
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    f = forms / "department_signoff.json"
    f.write_text(f.read_text("utf-8").replace('"min_length": 2', '"min_length": 50'), "utf-8")
    deploy_catalog(load_catalog(ROOT / "bpmn", forms))
    db.session.commit()
    result = sign(people, project.id, "finance", opinion="短意见")  # old form: at least 2 characters
    assert result.status == "running"
    assert runtime.latest_definition("joint_signoff").version == 2
