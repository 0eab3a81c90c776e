"""Impact analysis: which running joint sign-offs a change touches, read from what is stored (SQLite and PostgreSQL).

Four projects stand at different places of the same version: one waits at the departments' review,
one was returned and waits at the unit's revision, one was resubmitted (second round at the review),
one was approved (finished, so never affected).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import event, select

from tests.engine.places_support import live_definition
from tests.helpers import ready_tasks
from zerolegwork.engine.diff import diff_bundles
from zerolegwork.engine.impact import CHUNK, affected_instances
from zerolegwork.engine.models import ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db

FILE = "joint_signoff.bpmn"


def draft_with(old: str, new: str, kind: str = "bpmn", file: str = FILE) -> tuple[ProcessDefinition, Any]:
    live = live_definition()
    draft = copy.deepcopy(live.bundle)
    assert draft[kind][file].count(old) == 1, old
    draft[kind][file] = draft[kind][file].replace(old, new)
    return live, diff_bundles(live.bundle, draft)


def by_place(places: dict[str, int], old: str, new: str, kind: str = "bpmn", file: str = FILE) -> dict[str, Any]:
    live, diff = draft_with(old, new, kind, file)
    assert not diff.empty
    names = {project_id: place for place, project_id in places.items()}
    return {names[a.project_id]: a for a in affected_instances([live.id], diff) if a.project_id in names}


def test_a_changed_review_touches_those_waiting_there_and_those_that_passed_it(places):
    found = by_place(places, 'name="部门审查"', 'name="部门联合审查"')
    assert set(found) == {"waiting", "returned", "again"}
    assert found["waiting"].waiting == {("joint_signoff", "department_review")}
    assert found["waiting"].holders == {t.org_code for t in ready_tasks(places["waiting"])}
    assert "finance" in found["waiting"].holders
    assert found["returned"].waiting == set() and found["returned"].passed == {("joint_signoff", "department_review")}
    # the resubmitted one waits there again (its first round passed it; waiting wins)
    assert found["again"].waiting == {("joint_signoff", "department_review")} and found["again"].passed == set()


def test_a_changed_revision_form_touches_only_those_that_reached_the_revision(places):
    found = by_place(
        places,
        '<spiffworkflow:property name="formKey" value="revise_application" />',
        '<spiffworkflow:property name="formKey" value="department_signoff" />',
    )
    assert set(found) == {"returned", "again"}
    assert found["returned"].waiting == {("joint_signoff", "revise_application")}
    assert found["returned"].holders == {"demo_unit"}
    assert found["again"].passed == {("joint_signoff", "revise_application")} and not found["again"].waiting


def test_a_change_after_every_running_instance_touches_none(places):
    # the approved end: the only instance that reached it has finished
    assert by_place(places, 'name="会签通过"', 'name="会签通过并归档"') == {}


def test_a_changed_routing_table_touches_every_running_instance_through_the_rule_task(places):
    found = by_place(
        places,
        '<outputEntry id="ndrc_small_mode"><text>"filing"</text></outputEntry>',
        '<outputEntry id="ndrc_small_mode"><text>"approval"</text></outputEntry>',
        kind="dmn",
        file="signoff_departments.dmn",
    )
    assert set(found) == {"waiting", "returned", "again"}
    assert all(("joint_signoff", "route") in a.passed for a in found.values())


def test_a_changed_flow_touches_those_that_left_its_gateway_not_those_before_it(places):
    found = by_place(places, 'name="全部同意"', 'name="全部同意（含附条件）"')
    # the returned and resubmitted ones left the gateway (one way or the other); the waiting one has not reached it
    assert set(found) == {"returned", "again"}
    assert all(a.passed == {("joint_signoff", "gw_all_approved")} for a in found.values())


def test_a_changed_condition_is_a_change_of_its_flow_watched_at_its_gateway(places):
    live, diff = draft_with("len(rejected) &gt; 0", "len(rejected) &gt;= 1")
    (change,) = diff.elements
    assert (change.element_id, change.source) == ("flow_some_rejected", "gw_all_approved")
    assert set(change.aspects) == {"condition"}
    names = {project_id: place for place, project_id in places.items()}
    found = {names[a.project_id] for a in affected_instances([live.id], diff) if a.project_id in names}
    assert found == {"returned", "again"}


def test_statements_do_not_grow_with_the_number_of_instances(places, people):
    live, diff = draft_with('name="部门审查"', 'name="部门联合审查"')
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    running = db.session.scalars(select(ProcessInstance.id).where(ProcessInstance.definition_id == live.id)).all()
    assert len(running) < CHUNK
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = list(affected_instances([live.id], diff))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(found) >= 3
    # the ids, then one chunk: instances, archived sub-processes, people's task rows
    assert len(statements) == 4


def test_an_instance_of_another_version_is_not_read(places):
    live, diff = draft_with('name="部门审查"', 'name="部门联合审查"')
    assert list(affected_instances([live.id + 10_000], diff)) == []


def test_the_diff_command_lists_the_changes_and_the_instances_they_touch(places, any_app, tmp_path):
    import shutil

    from tests.conftest import ROOT

    folder = tmp_path / "bpmn"
    shutil.copytree(ROOT / "bpmn", folder)
    diagram = folder / FILE
    diagram.write_text(diagram.read_text(encoding="utf-8").replace('name="处理退回意见"', 'name="处理退回意见并修改"'))
    runner = any_app.test_cli_runner()
    args = ["zlw", "engine", "diff", "--bpmn-dir", str(folder), "--forms-dir", str(ROOT / "forms")]
    result = runner.invoke(args=[*args, "joint_signoff"])
    assert result.exit_code == 0, result.output
    assert (
        "changed userTask revise_application 处理退回意见并修改: name: 处理退回意见 → 处理退回意见并修改"
        in result.output
    )
    instances = {p: a for p, a in places.items()}
    returned = db.session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.project_id == instances["returned"])
    ).one()
    assert f"instance {returned} project {instances['returned']}: waiting at revise_application (demo_unit)" in (
        result.output
    )
    assert "lifecycle" not in result.output
    # every process whose bundle holds the changed diagram (those calling it) is changed; the rest are not
    every = runner.invoke(args=args)
    assert every.exit_code == 0, every.output
    changed = {line.split(":")[0] for line in every.output.splitlines() if "draft against the live version" in line}
    assert changed == {"joint_signoff", "investment", "lifecycle"}
    assert "acceptance: same as the live version v1" in every.output
    unknown = runner.invoke(args=[*args, "no_such_process"])
    assert unknown.exit_code != 0 and "no_such_process" in unknown.output
