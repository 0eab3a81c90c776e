"""What tasks are called on screen, whose step they are, and diagrams labelled for pages (engine/titles.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.engine.lifecycle_support import CONFIRM, act, ready, start, through_investment
from tests.engine.lifecycle_support import app as app
from zerolegwork.engine import titles
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db

ROOT = Path(__file__).resolve().parents[2]
FORMS = {
    "procedure_document": {
        "fields": [
            {
                "name": "procedure",
                "type": "choice",
                "choices": [{"value": "feasibility", "label": {"zh_CN": "可行性研究报告", "en": "Feasibility"}}],
            }
        ]
    }
}


def test_a_choice_field_of_the_same_name_labels_an_item():
    assert titles.choice_label(FORMS, "procedure", "feasibility") == "可行性研究报告"
    assert titles.choice_label(FORMS, "procedure", "nothing_like_it") is None
    assert titles.choice_label(FORMS, "stage", "feasibility") is None


def test_the_procedures_of_a_project_are_titled_by_their_document(app, people):
    result = start(people, "lifecycle", {"procedures": ["proposal", "feasibility"]})
    through_investment(people, result.instance_id)
    found = sorted(t.title for t in ready(result.instance_id, "record_procedure"))
    assert found == ["登记项目手续·可行性研究报告", "登记项目手续·项目建议书"]
    unit_steps = db.session.scalars(select(HumanTask).where(HumanTask.org_code == "demo_unit")).all()
    assert unit_steps and all(t.mode is None for t in unit_steps)
    # the competent department's check of each names the same document, and keeps its mode
    act(people, result.instance_id, "record_procedure", _document("proposal"), procedure="proposal")
    check = ready(result.instance_id, "check_procedure")[0]
    assert check.title == "确认项目手续·项目建议书" and check.mode == "approval"
    assert check.due_at is not None  # the department's statutory clock


def _document(procedure: str) -> dict[str, str]:
    from tests.engine.lifecycle_support import procedure_document

    return procedure_document(procedure)


def test_department_reviews_keep_their_name_an_org_code_adds_nothing(app, people):
    result = start(people, "lifecycle", {})
    through_investment_until_signoff(people, result.instance_id)
    assert {t.title for t in ready(result.instance_id, "department_review")} == {"部门审查"}


def through_investment_until_signoff(people, iid):
    from tests.engine.lifecycle_support import INFORMATION, investment_plan

    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    act(people, iid, "record_investment", investment_plan())
    act(people, iid, "check_investment", CONFIRM)


def test_a_unit_step_is_one_of_the_data_project_unit():
    assert titles.is_unit_step("demo_unit", {"project_unit": "demo_unit"})
    assert not titles.is_unit_step("ndrc", {"project_unit": "demo_unit"})
    assert not titles.is_unit_step("", {"project_unit": ""})


def test_diagrams_on_pages_label_lanes_by_role_and_pools_by_process():
    xml = (ROOT / "bpmn" / "joint_signoff.bpmn").read_text(encoding="utf-8")
    shown = titles.display_xml(xml)
    assert 'name="项目单位"' in shown and 'name="会签部门"' in shown
    assert 'name="project_unit"' not in shown and "Joint department sign-off" not in shown
    assert 'id="department_review"' in shown and "BPMNDiagram" in shown  # ids and layout as deployed
    assert titles.display_xml("not xml") == "not xml"


def test_process_names_come_from_the_diagrams():
    assert titles.process_name("lifecycle", ROOT / "bpmn") == "项目全生命周期"
    assert titles.process_name("joint_signoff", ROOT / "bpmn") == "部门并联会签"
    assert titles.process_name("no_such_process", ROOT / "bpmn") == "no_such_process"
