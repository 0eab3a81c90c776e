"""The lifecycle diagram: a project's whole life through the eight processes, run through the runtime."""

from __future__ import annotations

from pathlib import Path

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import (
    ALL_FUNCTIONS,
    CONFIRM,
    GOALS,
    INFORMATION,
    RESULTS_USE,
    SIGNOFF_DEPARTMENTS,
    acceptance,
    act,
    asked,
    contract,
    data_of,
    evaluation,
    investment_plan,
    procedure_document,
    procurement,
    progress_report,
    ready,
    sign_off,
    start,
    through_investment,
)
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.extensions import db
from zerolegwork.projects.models import ProjectState

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = [
    "information",
    "procedures",
    "investment",
    "procurement",
    "contracts",
    "progress",
    "acceptance",
    "performance",
]


def test_the_nine_diagrams_pass_check_bpmn(app):
    catalog = load_catalog(ROOT / "bpmn", ROOT / "forms")
    assert catalog.problems == []
    assert set(PROCESSES) | {"lifecycle"} <= set(catalog.bundles)
    lifecycle = catalog.bundles["lifecycle"]
    assert set(lifecycle.bpmn) == {f"{p}.bpmn" for p in [*PROCESSES, "lifecycle", "joint_signoff"]}
    assert set(lifecycle.dmn) == {"signoff_departments.dmn"}
    out = app.test_cli_runner().invoke(args=["zlw", "check-bpmn"])
    assert out.exit_code == 0, out.output
    assert "lifecycle" in out.output


def test_a_project_goes_through_its_whole_life(app, people):
    project = people["projects"][0]
    result = start(people, "lifecycle", ALL_FUNCTIONS)
    iid = result.instance_id
    assert asked(iid) == [("record_information", "demo_unit", "")]
    assert data_of(iid)["lifecycle_stage"] == "information"

    act(people, iid, "record_information", {**INFORMATION, "planned_investment": "12500.0000"})
    db.session.refresh(project)
    assert project.state == ProjectState.IN_APPROVAL
    act(people, iid, "check_information", CONFIRM)
    assert asked(iid) == [("record_investment", "demo_unit", "")]
    assert data_of(iid)["lifecycle_stage"] == "investment"

    through_investment_rest(people, iid)
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED
    data = data_of(iid)
    assert data["lifecycle_stage"] == "preparation" and data["investment_approved"] is True
    # procedures and procurement run side by side, one task per chosen function
    assert asked(iid) == [
        ("record_procedure", "demo_unit", "feasibility"),
        ("record_procedure", "demo_unit", "proposal"),
        ("record_procurement", "demo_unit", "works"),
    ]
    for p in ["proposal", "feasibility"]:
        act(people, iid, "record_procedure", procedure_document(p), procedure=p)
        act(people, iid, "check_procedure", CONFIRM, procedure=p)
    assert asked(iid) == [("record_procurement", "demo_unit", "works")]  # the join waits for procurement
    act(people, iid, "record_procurement", procurement("works"))
    act(people, iid, "check_procurement", CONFIRM)

    # progress and contracts side by side
    assert asked(iid) == [("record_contract", "demo_unit", ""), ("report_progress", "demo_unit", "")]
    assert data_of(iid)["lifecycle_stage"] == "construction"
    act(people, iid, "record_contract", contract())
    act(people, iid, "check_contract", CONFIRM)
    act(people, iid, "next_contract", {"next_step": "done"})
    act(people, iid, "report_progress", progress_report("2026-06"))
    act(people, iid, "check_progress", CONFIRM)
    act(people, iid, "report_progress", progress_report("2027-10", complete=True))
    act(people, iid, "check_progress", CONFIRM)

    assert data_of(iid)["lifecycle_stage"] == "acceptance"
    assert asked(iid) == [("record_acceptance", "demo_unit", "specialist")]
    act(people, iid, "record_acceptance", acceptance("specialist"))
    act(people, iid, "check_acceptance", CONFIRM)
    act(people, iid, "record_acceptance", acceptance("joint"))
    act(people, iid, "check_acceptance", CONFIRM)

    assert data_of(iid)["lifecycle_stage"] == "performance"
    act(people, iid, "set_goals", GOALS)
    act(people, iid, "check_goals", CONFIRM)
    for stage in ["monitoring", "self"]:
        act(people, iid, "record_evaluation", evaluation(stage), stage=stage)
        act(people, iid, "check_evaluation", CONFIRM, stage=stage)
    act(people, iid, "key_evaluation", evaluation("key"))
    done = act(people, iid, "use_of_results", RESULTS_USE)

    assert done.status == "completed"
    assert ready(iid) == []
    end = done.data
    assert end["lifecycle_stage"] == "completed" and end["closed_reason"] == "completed"
    assert [p["procedure"] for p in end["procedures_filed"]] == ["proposal", "feasibility"]
    assert [p["procurement_type"] for p in end["procurement_filed"]] == ["works"]
    assert [c["title"] for c in end["contracts_filed"]] == [contract()["title"]]
    assert [r["period"] for r in end["progress_reports"]] == ["2026-06", "2027-10"]
    assert [a["acceptance_type"] for a in end["acceptances_done"]] == ["specialist", "joint"]
    assert [e["stage"] for e in end["performance_evaluations"]] == ["monitoring", "self"]
    assert end["key_evaluation"]["stage"] == "key" and end["results_use"]["budget_effect"] == "keep"
    assert end["planned_investment"] == "12800.0000"  # the investment plan's total, used by the sign-off
    db.session.refresh(project)
    assert project.state == ProjectState.CLOSED


def test_choosing_functions_changes_what_is_asked(app, people):
    road = start(people, "lifecycle", {"procedures": ["proposal", "feasibility"], "procurement": ["works"]}, index=0)
    other = start(
        people,
        "lifecycle",
        {"procurement": ["goods", "services"], "progress": ["image"], "acceptance": ["self"]},
        index=2,
    )
    through_investment(people, road.instance_id)
    through_investment(people, other.instance_id)
    assert asked(road.instance_id) == [
        ("record_procedure", "demo_unit", "feasibility"),
        ("record_procedure", "demo_unit", "proposal"),
        ("record_procurement", "demo_unit", "works"),
    ]
    assert asked(other.instance_id) == [
        ("record_procurement", "demo_unit", "goods"),
        ("record_procurement", "demo_unit", "services"),
    ]
    for kind in ["goods", "services"]:
        act(people, other.instance_id, "record_procurement", procurement(kind), procurement_type=kind)
        act(people, other.instance_id, "check_procurement", CONFIRM, procurement_type=kind)
    # no contracts chosen: only the progress report is asked for, and only its chosen dimension counts
    assert asked(other.instance_id) == [("report_progress", "demo_unit", "")]
    act(
        people,
        other.instance_id,
        "report_progress",
        {"period": "2026-07", "image_note": "主体完工。", "construction_complete": True},
    )
    act(people, other.instance_id, "check_progress", CONFIRM)
    assert asked(other.instance_id) == [("record_acceptance", "demo_unit", "self")]
    act(people, other.instance_id, "record_acceptance", acceptance("self"))
    done = act(people, other.instance_id, "check_acceptance", CONFIRM)
    # no performance function chosen: the lifecycle ends after acceptance
    assert done.status == "completed" and done.data["lifecycle_stage"] == "completed"


def test_a_withdrawn_signoff_ends_the_lifecycle(app, people):
    project = people["projects"][0]
    iid = start(people, "lifecycle", ALL_FUNCTIONS).instance_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    through_investment_rest(people, iid, reject="environment")
    db.session.refresh(project)
    assert project.state == ProjectState.RETURNED  # the sign-off two call levels down moved the project
    assert asked(iid) == [("revise_application", "demo_unit", "")]
    result = act(people, iid, "revise_application", {"action": "withdraw", "note": "项目暂缓实施"})
    assert result.status == "completed"
    assert result.data["lifecycle_stage"] == "closed" and result.data["closed_reason"] == "withdrawn"
    assert ready(iid) == []
    db.session.refresh(project)
    assert project.state == ProjectState.CLOSED


def test_a_resubmitted_signoff_goes_on_with_the_lifecycle(app, people):
    project = people["projects"][0]
    iid = start(people, "lifecycle", {"procedures": ["approval"]}).instance_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    through_investment_rest(people, iid, reject="finance")
    act(people, iid, "revise_application", {"action": "resubmit", "note": "已补充资金来源说明"})
    db.session.refresh(project)
    assert project.state == ProjectState.IN_APPROVAL
    assert sorted(t.org_code for t in ready(iid, "department_review")) == sorted(SIGNOFF_DEPARTMENTS)
    sign_off(people, iid)
    assert asked(iid) == [("record_procedure", "demo_unit", "approval")]
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED


def test_department_checks_after_the_signoff_use_the_approval_chain(app, people):
    # 800 万元: the development and reform commission only files (备案) the investment ...
    iid = start(people, "lifecycle", {"procedures": ["planning"]}).instance_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    act(people, iid, "record_investment", investment_plan("800.0000"))
    act(people, iid, "check_investment", CONFIRM)
    assert {t.org_code: t.mode for t in ready(iid, "department_review")}["ndrc"] == "filing"
    sign_off(people, iid)
    assert "modes" not in data_of(iid) and data_of(iid)["signoff_modes"]["ndrc"] == "filing"
    # ... but its later checks as competent department are approvals (no 备案 lapse sweeps them)
    act(people, iid, "record_procedure", procedure_document("planning"))
    (check,) = ready(iid, "check_procedure")
    assert check.org_code == "ndrc" and check.mode == "approval" and check.post_id is not None


def through_investment_rest(people, iid, reject=None):
    """The investment plan checked and the joint sign-off decided (`reject`: that department rejects)."""
    act(people, iid, "record_investment", investment_plan("12800.0000"))
    act(people, iid, "check_investment", CONFIRM)
    assert sorted(t.org_code for t in ready(iid, "department_review")) == sorted(SIGNOFF_DEPARTMENTS)
    return sign_off(people, iid, reject=reject)


def test_a_lapsed_signoff_ends_the_lifecycle(app, people):
    import time

    from zerolegwork.engine import sweeps

    iid = start(people, "lifecycle", ALL_FUNCTIONS, revise_limit="PT1S").instance_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    through_investment_rest(people, iid, reject="ndrc")
    assert asked(iid) == [("revise_application", "demo_unit", "")]
    time.sleep(1.2)
    result = sweeps.advance_timers(iid)  # the timer sweep, for this instance
    db.session.commit()
    assert result is not None and result.status == "completed"
    assert result.data["closed_reason"] == "lapsed" and result.data["lifecycle_stage"] == "closed"
    assert ready(iid) == []


def test_every_diagram_carries_a_layout_for_every_top_level_flow_node():
    """The project and task pages draw diagrams with bpmn-js, which needs the BPMN DI section."""
    from pathlib import Path

    from lxml import etree

    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    }
    for path in sorted((Path(__file__).resolve().parents[2] / "bpmn").glob("*.bpmn")):
        tree = etree.parse(str(path))
        shapes = set(tree.xpath("//bpmndi:BPMNShape/@bpmnElement", namespaces=ns))
        nodes = tree.xpath(
            "/bpmn:definitions/bpmn:process/*[self::bpmn:task or self::bpmn:userTask or self::bpmn:scriptTask"
            " or self::bpmn:callActivity or self::bpmn:subProcess or self::bpmn:startEvent or self::bpmn:endEvent"
            " or self::bpmn:exclusiveGateway or self::bpmn:parallelGateway or self::bpmn:businessRuleTask]/@id",
            namespaces=ns,
        )
        missing = sorted(set(nodes) - shapes)
        assert nodes and missing == [], f"{path.name}: no layout for {missing}"
