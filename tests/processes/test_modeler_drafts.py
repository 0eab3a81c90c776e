"""The web modeler's stored drafts: save, validate, deploy, discard; limits, hostile input and who may reach them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.helpers import ready_tasks, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.models import ProcessDefinition
from zerolegwork.extensions import db
from zerolegwork.processes import modeler
from zerolegwork.processes.drafts import DraftError
from zerolegwork.processes.models import DraftState, ProcessDraft

FILE = "joint_signoff.bpmn"
DMN = "signoff_departments.dmn"
NEW_RULE = """      <rule id="economy_it_always">
        <description>工信部门参加每个项目的会签</description>
        <inputEntry id="economy_it_always_cat"><text></text></inputEntry>
        <inputEntry id="economy_it_always_inv"><text></text></inputEntry>
        <outputEntry id="economy_it_always_dept"><text>"economy_it"</text></outputEntry>
        <outputEntry id="economy_it_always_mode"><text>"approval"</text></outputEntry>
      </rule>
    </decisionTable>"""


def live() -> ProcessDefinition:
    return db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == "joint_signoff")
        .order_by(ProcessDefinition.version.desc())
    ).first()


def versions() -> int:
    return db.session.scalar(
        select(func.count()).select_from(ProcessDefinition).where(ProcessDefinition.process_id == "joint_signoff")
    )


def with_new_department() -> str:
    return live().bundle["dmn"][DMN].replace("    </decisionTable>", NEW_RULE, 1)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_saved_draft_keeps_only_the_changed_files_and_is_validated_deployed_and_marked(any_app, people):
    analyst = people["users"]["analyst"]
    base = live()
    files = modeler.version_files(base)
    assert FILE in files and DMN in files and "department_signoff.json" in files
    draft = modeler.save_draft(analyst, base, {**files, DMN: with_new_department()})
    db.session.commit()
    assert draft.files == {DMN: with_new_department()} and draft.state == DraftState.DRAFT
    assert modeler.draft_files(draft)[FILE] == files[FILE]
    check = modeler.validate(draft, analyst)
    assert check.good and not modeler.problems_json(check)
    assert any(d.decision_id == "signoff_departments" for d in check.diff.decisions)
    check, report = modeler.deploy(draft, "工信部门参加会签", analyst)
    db.session.commit()
    assert report.deployed["joint_signoff"] == 2  # and the processes that call it
    assert draft.state == DraftState.DEPLOYED and draft.deployed_id == live().id
    assert live().note == "工信部门参加会签"
    assert {"process.draft_saved", "process.draft_checked", "process.draft_deployed"} <= set(actions())
    with pytest.raises(DraftError):
        modeler.deploy(draft, "again", analyst)


def test_the_next_sign_off_after_deploying_includes_the_new_department(app, people):
    analyst = people["users"]["analyst"]
    draft = modeler.save_draft(analyst, live(), {DMN: with_new_department()})
    modeler.deploy(draft, "工信部门参加会签", analyst)
    db.session.commit()
    project = submit(people, 0)
    assert "economy_it" in {t.org_code for t in ready_tasks(project.id)}


def test_a_broken_diagram_is_saved_but_its_problem_names_the_element_and_nothing_deploys(any_app, people):
    analyst = people["users"]["analyst"]
    xml = live().bundle["bpmn"][FILE]
    broken = xml.replace("len(rejected) &gt; 0", "len(rejected &gt; 0", 1)
    draft = modeler.save_draft(analyst, live(), {FILE: broken})
    problems = modeler.problems_json(modeler.validate(draft, analyst))
    assert problems and any(p["element"] and p["file"] == FILE for p in problems)
    check, report = modeler.deploy(draft, "坏的", analyst)
    assert not check.good and not report.deployed and draft.state == DraftState.DRAFT
    assert versions() == 1


def test_a_discarded_draft_cannot_be_saved_or_deployed(app, people):
    analyst = people["users"]["analyst"]
    draft = modeler.save_draft(analyst, live(), {DMN: with_new_department()})
    modeler.discard(draft, analyst)
    assert draft.state == DraftState.DISCARDED and "process.draft_discarded" in actions()
    with pytest.raises(DraftError):
        modeler.save_draft(analyst, live(), {DMN: with_new_department() + " "}, draft)
    with pytest.raises(DraftError):
        modeler.deploy(draft, "x", analyst)
    assert versions() == 1


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "没有改动"),
        ({"../evil.bpmn": "<x/>"}, ".bpmn"),
        ({"evil.exe": "MZ"}, ".bpmn"),
        ({FILE: "x" * (2 * 1024 * 1024 + 1)}, "2 MB"),
        ({FILE: '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'}, "DOCTYPE"),
    ],
)
def test_hostile_or_empty_drafts_are_refused_in_chinese(app, people, files, message):
    with pytest.raises(DraftError, match=message):
        modeler.save_draft(people["users"]["analyst"], live(), files)
    assert db.session.scalar(select(func.count()).select_from(ProcessDraft)) == 0


def test_non_xml_is_saved_and_validation_names_the_file(app, people):
    analyst = people["users"]["analyst"]
    draft = modeler.save_draft(analyst, live(), {FILE: "这不是 XML"})
    problems = modeler.problems_json(modeler.validate(draft, analyst))
    assert any(p["file"] == FILE for p in problems)


def save(client, body: Any, number: int = 1) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        f"/processes/joint_signoff/v{number}/drafts", data=raw, headers={"Content-Type": "application/json"}
    )


def test_the_modeler_pages_save_validate_check_download_and_discard(client, login, people):
    login("analyst")
    page = client.get("/processes/joint_signoff/v1/modeler").get_data(as_text=True)
    assert 'id="modeler-data"' in page and "bpmn-modeler.js" in page and "保存草稿" in page
    answer = save(client, {"files": {DMN: with_new_department()}})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    draft_id = answer.get_json()["id"]
    assert save(client, {"draft_id": draft_id, "files": {DMN: with_new_department()}}).get_json()["id"] == draft_id
    assert client.get(f"/processes/drafts/{draft_id}").status_code == 200
    checked = client.post(f"/processes/drafts/{draft_id}/validate").get_json()
    assert checked["good"] and checked["problems"] == []
    diff = client.get(checked["check_url"]).get_data(as_text=True)
    assert f"/processes/drafts/{draft_id}/deploy" in diff and 'data-testid="deploy-form"' in diff
    download = client.get(f"/processes/drafts/{draft_id}/files/{DMN}")
    assert "attachment" in download.headers["Content-Disposition"] and "economy_it_always" in download.get_data(
        as_text=True
    )
    assert client.get(f"/processes/drafts/{draft_id}/files/nothing.bpmn").status_code == 404
    assert client.post(f"/processes/drafts/{draft_id}/discard").status_code == 302
    assert db.session.get(ProcessDraft, draft_id).state == DraftState.DISCARDED


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"x" * (4 * 1024 * 1024 + 1), 413, "4 MB"),
        (b"<xml/>", 400, "JSON"),
        (json.dumps({"files": ["a"]}).encode(), 400, "JSON"),
        (json.dumps({"files": {FILE: '<!DOCTYPE x [<!ENTITY a "b">]><x/>'}}).encode(), 400, "DOCTYPE"),
    ],
)
def test_a_hostile_save_is_refused_in_chinese(client, login, people, body, status, message):
    login("analyst")
    answer = save(client, body)
    assert answer.status_code == status and message in answer.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(ProcessDraft)) == 0


@pytest.mark.parametrize("username", ["unit1", "finance1", "finance_admin", "auditor", "admin_150202"])
def test_only_analysts_and_platform_admins_reach_the_modeler(client, login, people, username):
    analyst = people["users"]["analyst"]
    draft = modeler.save_draft(analyst, live(), {DMN: with_new_department()})
    db.session.commit()
    login(username)
    for url in [
        "/processes/joint_signoff/v1/modeler",
        f"/processes/drafts/{draft.id}",
        f"/processes/drafts/{draft.id}/check",
        f"/processes/drafts/{draft.id}/files/{DMN}",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        "/processes/joint_signoff/v1/drafts",
        f"/processes/drafts/{draft.id}/validate",
        f"/processes/drafts/{draft.id}/deploy",
        f"/processes/drafts/{draft.id}/discard",
    ]:
        assert client.post(url, data={"note": "x"}).status_code == 404, url
    assert versions() == 1 and db.session.get(ProcessDraft, draft.id).state == DraftState.DRAFT


def test_the_modeler_page_loads_dmn_js_from_node_modules_with_its_chinese_labels(client, login, people):
    login("analyst")
    page = client.get("/processes/joint_signoff/v1/modeler").get_data(as_text=True)
    for asset in ("dmn-modeler.js", "dmn-js-decision-table.css", "dmn-js-decision-table-controls.css", "dmn-font.css"):
        assert f"/vendor/{asset}" in page
        assert client.get(f"/vendor/{asset}").status_code == 200
    assert client.get("/vendor/dmn-font.woff2").status_code == 200
    assert "static/dmn-modeler.js" in page and "static/dmn-modeler.css" in page
    labels = json.loads(page.split('id="modeler-data">', 1)[1].split("</script>", 1)[0])["text"]["dmn_labels"]
    assert (labels["Add rule"], labels["Hit policy:"], labels["Collect"], labels["Any"]) == (
        "添加规则",
        "命中策略：",
        "汇集",
        "任一",
    )
