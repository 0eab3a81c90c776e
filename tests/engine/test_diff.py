"""A draft against the live version: every kind of element change is found and named, nothing else is."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import ROOT
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.diff import ADDED, CHANGED, REMOVED, diff_bundles

FILE = "joint_signoff.bpmn"


@pytest.fixture(scope="module")
def live() -> dict[str, Any]:
    catalog = load_catalog(ROOT / "bpmn", ROOT / "forms")
    return catalog.bundles["joint_signoff"].as_dict()


def edited(bundle: dict[str, Any], old: str, new: str, file: str = FILE, kind: str = "bpmn") -> dict[str, Any]:
    draft = copy.deepcopy(bundle)
    assert draft[kind][file].count(old) == 1, f"{old!r} must occur once in {file}"
    draft[kind][file] = draft[kind][file].replace(old, new)
    return draft


def only_change(diff, element: str):
    changes = [c for c in diff.elements if c.element_id == element]
    others = [c.element_id for c in diff.elements if c.element_id != element]
    assert len(changes) == 1 and not others, (changes, others)
    return changes[0]


def test_the_same_bundle_changes_nothing(live):
    diff = diff_bundles(live, copy.deepcopy(live))
    assert diff.empty and diff.touched() == set()


def test_moving_shapes_on_the_drawing_is_not_a_change(live):
    # only the DI (where shapes are drawn) differs
    import re

    draft = copy.deepcopy(live)
    draft["bpmn"][FILE] = re.sub(r'x="(\d+)"', lambda m: f'x="{int(m.group(1)) + 40}"', draft["bpmn"][FILE])
    assert draft["bpmn"][FILE] != live["bpmn"][FILE]
    assert diff_bundles(live, draft).empty


def test_a_renamed_task_is_changed_in_its_name_only(live):
    draft = edited(live, 'name="汇总部门意见"', 'name="汇总各部门意见"')
    change = only_change(diff_bundles(live, draft), "tally")
    assert change.kind == CHANGED and change.process_id == "joint_signoff"
    assert change.aspects == {"name": ("汇总部门意见", "汇总各部门意见")}


def test_a_changed_script_is_named(live):
    draft = edited(live, 'project_state = "returned" if rejected', 'project_state = "returned" if len(rejected) > 0')
    change = only_change(diff_bundles(live, draft), "tally")
    assert set(change.aspects) == {"script"}


def test_a_changed_condition_names_the_flow(live):
    xml = live["bpmn"][FILE]
    start = xml.index('id="flow_some_rejected"')
    cond = xml[start:].split("<bpmn:conditionExpression", 1)[1].split(">", 1)[1].split("<", 1)[0]
    draft = edited(live, cond, cond + " and round_no &lt; 9")
    change = only_change(diff_bundles(live, draft), "flow_some_rejected")
    assert change.element_type == "sequenceFlow" and set(change.aspects) == {"condition"}


def test_a_timer_change_names_the_boundary_event(live):
    draft = edited(live, ">revise_limit</bpmn:timeDuration>", '>"P30D"</bpmn:timeDuration>')
    change = only_change(diff_bundles(live, draft), "revise_timeout")
    before, after = change.aspects["timer"]
    assert "revise_limit" in before and '"P30D"' in after


def test_a_changed_form_key_and_a_changed_form_content_are_form_changes(live):
    draft = edited(live, 'value="department_signoff"', 'value="department_check"')
    draft["forms"]["department_check"] = live["forms"].get("department_check", {"fields": []})
    assert set(only_change(diff_bundles(live, draft), "department_review").aspects) == {"form"}
    content = copy.deepcopy(live)
    content["forms"]["department_signoff"]["fields"][1]["max_length"] = 500
    assert set(only_change(diff_bundles(live, content), "department_review").aspects) == {"form"}


def test_moving_a_task_to_another_lane_is_a_lane_change(live):
    draft = edited(live, "<bpmn:flowNodeRef>tally</bpmn:flowNodeRef>", "")
    draft = edited(
        draft,
        "<bpmn:flowNodeRef>revise_application</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>revise_application</bpmn:flowNodeRef><bpmn:flowNodeRef>tally</bpmn:flowNodeRef>",
    )
    change = only_change(diff_bundles(live, draft), "tally")
    assert change.aspects == {"lane": ("department", "project_unit")}


def test_a_multi_instance_collection_change_is_named(live):
    draft = edited(
        live,
        "<bpmn:loopDataInputRef>departments</bpmn:loopDataInputRef>",
        "<bpmn:loopDataInputRef>reviewers</bpmn:loopDataInputRef>",
    )
    change = only_change(diff_bundles(live, draft), "department_review")
    assert set(change.aspects) == {"multi_instance"}


def test_an_added_path_marks_the_gateway_and_adds_the_flow_and_its_target(live):
    draft = edited(
        live,
        "<bpmn:outgoing>flow_some_rejected</bpmn:outgoing>",
        "<bpmn:outgoing>flow_some_rejected</bpmn:outgoing><bpmn:outgoing>flow_escalate</bpmn:outgoing>",
    )
    draft = edited(
        draft,
        '<bpmn:endEvent id="end_approved"',
        '<bpmn:sequenceFlow id="flow_escalate" sourceRef="gw_all_approved" targetRef="end_escalated">'
        "<bpmn:conditionExpression>round_no &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:endEvent id="end_escalated" name="上报"><bpmn:incoming>flow_escalate</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:endEvent id="end_approved"',
    )
    diff = diff_bundles(live, draft)
    kinds = {c.element_id: c.kind for c in diff.elements}
    assert kinds == {"gw_all_approved": CHANGED, "flow_escalate": ADDED, "end_escalated": ADDED}
    assert set(next(c for c in diff.elements if c.element_id == "gw_all_approved").aspects) == {"flows"}
    assert diff.touched() == {("joint_signoff", "gw_all_approved")}


def test_a_removed_element_is_removed(live):
    draft = edited(
        live, '<bpmn:endEvent id="end_approved" name="会签通过">', '<bpmn:endEvent id="end_ok" name="会签通过">'
    )
    kinds = {c.element_id: c.kind for c in diff_bundles(live, draft).elements}
    assert kinds["end_approved"] == REMOVED and kinds["end_ok"] == ADDED


def test_a_decision_table_change_names_the_rule_and_the_task_that_calls_it(live):
    (dmn,) = live["dmn"]
    draft = edited(live, '<text>"生态环保"</text>', '<text>"生态环保", "水利"</text>', file=dmn, kind="dmn")
    diff = diff_bundles(live, draft)
    (decision,) = diff.decisions
    assert decision.kind == CHANGED and decision.decision_id == "signoff_departments"
    assert any("rule added" in d and "水利" in d for d in decision.details)
    assert any("rule removed" in d for d in decision.details)
    assert set(only_change(diff, "route").aspects) == {"decision"}


def test_a_called_process_change_is_keyed_by_that_process(live):
    catalog = load_catalog(ROOT / "bpmn", ROOT / "forms")
    lifecycle = catalog.bundles["lifecycle"].as_dict()
    called = "information.bpmn"
    assert called in lifecycle["bpmn"]
    xml = lifecycle["bpmn"][called]
    import re

    name = re.search(r'<bpmn:userTask id="([^"]+)" name="([^"]+)"', xml)
    assert name
    draft = edited(lifecycle, f'name="{name.group(2)}"', f'name="{name.group(2)}（新）"', file=called)
    change = only_change(diff_bundles(lifecycle, draft), name.group(1))
    assert change.process_id == "information"


def test_a_file_that_is_not_xml_is_refused_with_its_name(live):
    draft = copy.deepcopy(live)
    draft["bpmn"][FILE] = "<bpmn:definitions"
    with pytest.raises(match=FILE):
        diff_bundles(live, draft)


def test_an_entity_bomb_is_refused_not_expanded(live):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        '<bpmn:process id="p"><bpmn:task id="t" name="&c;"/></bpmn:process></bpmn:definitions>'
    )
    draft = copy.deepcopy(live)
    draft["bpmn"]["bomb.bpmn"] = bomb
    with pytest.raises(match="document type"):
        diff_bundles(live, draft)
