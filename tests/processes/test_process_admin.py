"""流程管理 pages: only analysts and platform administrators; a draft's diff and impact; deploy with a note."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.helpers import ready_tasks, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.models import ProcessDefinition
from zerolegwork.extensions import db

FILE = "joint_signoff.bpmn"


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


def upload(client, files: dict[str, bytes], process_id: str = "joint_signoff") -> Any:
    data = {"files": [(io.BytesIO(body), name) for name, body in files.items()]}
    return client.post(f"/processes/{process_id}/draft", data=data, content_type="multipart/form-data")


def renamed_review() -> bytes:
    xml = live().bundle["bpmn"][FILE]
    assert xml.count('name="部门审查"') == 1
    return xml.replace('name="部门审查"', 'name="部门联合审查"').encode()


@pytest.fixture
def waiting(app, people) -> int:
    """A project whose joint sign-off waits at the departments' review."""
    project = submit(people, 0)
    assert ready_tasks(project.id)
    return project.id


ENDPOINTS = [
    "/processes/",
    "/processes/joint_signoff/v1",
    "/processes/joint_signoff/v1/diagram",
    f"/processes/joint_signoff/v1/files/{FILE}",
    "/processes/joint_signoff/draft",
]


@pytest.mark.parametrize("username", ["unit1", "finance1", "finance_admin", "auditor", "admin_150202"])
def test_only_analysts_and_platform_admins_reach_the_pages_and_their_json(client, login, people, username):
    login(username)
    for url in ENDPOINTS:
        assert client.get(url, headers={"Accept": "application/json"}).status_code == 404, url
    assert client.post("/processes/joint_signoff/deploy", data={"note": "x"}).status_code == 404
    assert versions() == 1


@pytest.mark.parametrize("username", ["analyst", "admin"])
def test_analysts_and_platform_admins_see_the_catalog_with_versions_and_running_counts(
    client, login, waiting, username
):
    login(username)
    page = client.get("/processes/").get_data(as_text=True)
    assert "流程管理" in page
    assert 'data-testid="version-joint_signoff-1"' in page
    row = page.split('data-testid="version-joint_signoff-1"')[1].split("</tr>")[0]
    assert live().sha256[:12] in row
    assert ">1</td>" in row  # one running matter
    assert "命令行" in row  # deployed from the command line


def test_the_version_page_says_where_matters_wait_and_the_diagram_carries_the_heat(client, login, waiting):
    login("analyst")
    page = client.get("/processes/joint_signoff/v1").get_data(as_text=True)
    review = ready_tasks(waiting)[0].bpmn_id
    assert f"<code>{review}</code>" in page
    body = client.get("/processes/joint_signoff/v1/diagram", headers={"Accept": "application/json"}).get_json()
    assert body["heat"][review]["count"] == len(ready_tasks(waiting))
    assert body["xml"].startswith("<?xml") or "<bpmn:definitions" in body["xml"]
    download = client.get(f"/processes/joint_signoff/v1/files/{FILE}")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True) == live().bundle["bpmn"][FILE]
    assert client.get("/processes/joint_signoff/v1/files/../../etc/passwd").status_code == 404
    assert client.get("/processes/joint_signoff/v9").status_code == 404


def test_a_draft_shows_its_changes_and_the_running_matters_it_touches(client, login, people, waiting):
    login("analyst")
    response = upload(client, {FILE: renamed_review()})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    review = ready_tasks(waiting)[0].bpmn_id
    assert f'data-testid="change-{review}"' in page
    assert "部门审查</del> → <ins" in page
    assert people["projects"][0].name in page  # the touched matter, by its project
    assert "市财政局" in page or "财政局" in page  # a holder, by name
    assert 'data-testid="deploy-form"' in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "process.draft_checked")).one()
    assert event.detail["affected"] == 1
    assert versions() == 1  # checking deploys nothing


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<definitions", "XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
    ],
)
def test_an_invalid_draft_names_the_problem_and_offers_no_deploy(client, login, people, body, expected):
    login("analyst")
    page = upload(client, {FILE: body}).get_data(as_text=True)
    assert 'data-testid="draft-problems"' in page and expected in page
    assert 'data-testid="deploy-form"' not in page
    assert versions() == 1


def test_a_draft_that_breaks_an_element_shows_the_element(client, login, people):
    login("analyst")
    xml = live().bundle["bpmn"][FILE]
    broken = xml.replace("len(rejected) &gt; 0", "len(rejected &gt; 0", 1)
    assert broken != xml
    page = upload(client, {FILE: broken.encode()}).get_data(as_text=True)
    assert 'data-testid="problem-element"' in page
    assert versions() == 1


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, "至少选择"),
        ({"evil.exe": b"MZ"}, ".bpmn"),
        ({FILE: b"\xff\xfe\x00bad"}, "UTF-8"),
        ({FILE: b"x" * (2 * 1024 * 1024 + 1)}, "2 MB"),
    ],
)
def test_unreadable_uploads_are_refused_in_chinese(client, login, people, files, message):
    login("analyst")
    response = upload(client, files) if files else client.post("/processes/joint_signoff/draft", data={})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert versions() == 1


def test_deploying_a_draft_keeps_the_note_and_who_and_running_matters_keep_their_version(
    client, login, people, waiting
):
    login("analyst")
    page = upload(client, {FILE: renamed_review()}).get_data(as_text=True)
    assert 'name="draft_text"' in page
    form = {"draft_name": FILE, "draft_text": renamed_review().decode(), "note": "审查环节改名"}
    refused = client.post("/processes/joint_signoff/deploy", data={**form, "note": "  "})
    assert refused.status_code == 400 and "变更说明" in refused.get_data(as_text=True)
    assert versions() == 1
    done = client.post("/processes/joint_signoff/deploy", data=form)
    assert done.status_code == 302 and done.headers["Location"].endswith("/processes/joint_signoff/v2")
    new = live()
    assert new.version == 2 and new.note == "审查环节改名"
    assert new.deployed_by_id == people["users"]["analyst"].id
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "process.deploy", AuditEvent.object_id == "joint_signoff")
    ).all()[-1]
    assert event.actor_id == people["users"]["analyst"].id and event.detail["note"] == "审查环节改名"
    catalog = client.get("/processes/").get_data(as_text=True)
    assert "审查环节改名" in catalog and "流程分析员" in catalog
    again = client.post("/processes/joint_signoff/deploy", data=form)
    assert again.status_code == 302 and versions() == 2  # the same draft again is a no-op
    assert ready_tasks(waiting)[0].instance.definition_id != new.id  # the running matter stays on v1


def test_deploy_checks_the_draft_again(client, login, people):
    login("analyst")
    form = {"draft_name": FILE, "draft_text": "<definitions", "note": "坏的"}
    response = client.post("/processes/joint_signoff/deploy", data=form)
    assert response.status_code == 400 and 'data-testid="draft-problems"' in response.get_data(as_text=True)
    assert versions() == 1
