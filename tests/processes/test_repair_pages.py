"""异常处理 on the incidents page: skip a failed step, edit a matter's data, terminate a matter; only analysts;
bad input answered in Chinese; the project page says its process was terminated."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.engine.test_repair_actions import START, deploy_repair_probe, events, instance, start_failing, tasks_of
from tests.engine.test_repair_actions import person_step_incident as engine_person_step_incident
from tests.helpers import submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.models import ProcessInstance
from zerolegwork.engine.repair import suspend_instance
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project


def person_step_incident(people) -> int:  # type: ignore[no-untyped-def]
    """An incident raised by a person's completion (the script after their task fails)."""
    return engine_person_step_incident(people)[0]


def page(response) -> str:
    return response.get_data(as_text=True)


def test_the_incidents_page_offers_skip_only_where_the_engine_failed(client, login, people, tmp_path):
    deploy_repair_probe(tmp_path / "v1", FINISH="w = 1 / 0")
    person_step = person_step_incident(people)
    deploy_repair_probe(tmp_path / "v2", PREPARE="y = 1 / 0")
    engine_step = start_failing()
    login("analyst")
    text = page(client.get("/processes/incidents"))
    assert f'data-testid="skip-{engine_step}"' in text and f'data-testid="skip-{person_step}"' not in text
    assert f'data-testid="no-skip-{person_step}"' in text and "重试会把任务退回给办理人" in text
    for iid in (engine_step, person_step):
        assert f'data-testid="edit-data-{iid}"' in text and f'data-testid="terminate-{iid}"' in text
    assert "data-confirm=" in text and "<script>" not in text


def test_skipping_through_the_page_needs_a_reason_and_an_engine_step(client, login, people, tmp_path):
    deploy_repair_probe(tmp_path / "v1", FINISH="w = 1 / 0")
    person_step = person_step_incident(people)
    deploy_repair_probe(tmp_path / "v2", PREPARE="y = 1 / 0", CHECK="z = 2")
    engine_step = start_failing()
    login("analyst")
    blank = client.post(f"/processes/incidents/{engine_step}/skip", data={"reason": "  "}, follow_redirects=True)
    assert "请说明跳过失败步骤的原因" in page(blank) and instance(engine_step).status == "incident"
    refused = client.post(f"/processes/incidents/{person_step}/skip", data={"reason": "跳过"}, follow_redirects=True)
    assert "没有可跳过的引擎步骤" in page(refused) and instance(person_step).status == "incident"
    done = client.post(f"/processes/incidents/{engine_step}/skip", data={"reason": "已线下核算"}, follow_redirects=True)
    assert "已跳过“准备”：事项恢复办理" in page(done)
    assert instance(engine_step).status == "running"
    again = client.post(f"/processes/incidents/{engine_step}/skip", data={"reason": "再跳"}, follow_redirects=True)
    assert "已不再处于异常状态" in page(again)
    assert client.post("/processes/incidents/999999/skip", data={"reason": "x"}).status_code == 404


def test_editing_data_through_the_page_then_retrying_runs_the_script(client, login, people, tmp_path):
    deploy_repair_probe(tmp_path, PREPARE="y = missing + 1")
    iid = start_failing()
    login("analyst")
    form = page(client.get(f"/processes/instances/{iid}/data"))
    assert 'data-testid="data-json"' in form and "&#34;project_unit&#34;: &#34;demo_unit&#34;" in form
    url = f"/processes/instances/{iid}/data"
    bad = client.post(url, data={"data": "{oops"})
    assert bad.status_code == 400 and "这不是有效的 JSON" in page(bad)
    listed = client.post(url, data={"data": "[1]"})
    assert listed.status_code == 400 and "数据必须是一个 JSON 对象" in page(listed)
    huge = client.post(url, data={"data": json.dumps({"x": "字" * 100_000}, ensure_ascii=False)})
    assert huge.status_code == 413 and "数据过大（最多 256 KB）" in page(huge)
    badkey = client.post(url, data={"data": json.dumps({"两个 字": 1})})
    assert badkey.status_code == 400 and "不能作为数据名称" in page(badkey)
    reserved = client.post(url, data={"data": json.dumps({**START, "signed_by": "某人"})})
    assert reserved.status_code == 400 and "signed_by 由平台维护" in page(reserved)
    assert events(iid, "instance.data_edited") == []
    saved = client.post(url, data={"data": json.dumps({**START, "missing": 1})}, follow_redirects=True)
    assert "已保存，修改了：missing" in page(saved)
    retried = client.post(f"/processes/incidents/{iid}/retry", follow_redirects=True)
    assert "已重试：事项恢复办理" in page(retried)
    (task,) = tasks_of(iid)
    assert runtime.task_context(task)["y"] == 2
    gone = client.get(url, follow_redirects=True)
    assert "只能修改处于异常或挂起状态的事项的数据" in page(gone)
    assert client.get("/processes/instances/999999/data").status_code == 404


def test_terminating_through_the_page_empties_every_inbox_and_the_project_says_so(client, login, people):
    project = submit(people, 0)
    row = db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project.id)).one()
    suspend_instance(row.id, None, "待定")
    db.session.commit()
    login("analyst")
    url = f"/processes/instances/{row.id}/terminate"
    assert f'data-testid="terminate-{row.id}"' in page(client.get("/processes/incidents"))
    blank = client.post(url, data={"reason": "", "confirm": "yes"}, follow_redirects=True)
    assert "请说明终止该事项的原因" in page(blank)
    unconfirmed = client.post(url, data={"reason": "项目取消"}, follow_redirects=True)
    assert "请勾选确认" in page(unconfirmed) and instance(row.id).status == "suspended"
    done = client.post(url, data={"reason": "项目取消", "confirm": "yes"}, follow_redirects=True)
    assert "已终止：4 项未办结的任务已取消" in page(done)
    assert {t.state for t in tasks_of(row.id)} == {"cancelled"}
    again = client.post(url, data={"reason": "再终止", "confirm": "yes"}, follow_redirects=True)
    assert "只有办理中、已挂起或异常的事项可以终止" in page(again)
    login("finance1")
    assert "/tasks/" not in page(client.get("/"))
    login("unit1")
    detail = page(client.get(f"/projects/{project.id}"))
    assert 'data-testid="process-terminated"' in detail and "流程管理员已终止此项目的流程：项目取消" in detail
    db.session.expire_all()
    assert db.session.get(Project, project.id).state == "closed"  # no longer 审批中
    (closed,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.state")).all()[-1:]
    assert closed.detail == {"before": "in_approval", "after": "closed"}
    login("analyst")
    missing = client.post("/processes/instances/999999/terminate", data={"reason": "x", "confirm": "yes"})
    assert missing.status_code == 404


def test_a_running_matter_can_be_terminated_from_its_version_page(client, login, people):
    project = submit(people, 0)
    row = db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project.id)).one()
    login("analyst")
    version = db.session.get(ProcessInstance, row.id).definition.version
    text = page(client.get(f"/processes/{row.process_id}/v{version}"))
    assert f'data-testid="terminate-{row.id}"' in text
    done = client.post(
        f"/processes/instances/{row.id}/terminate",
        data={"reason": "重复申报", "confirm": "yes", "next": f"/processes/{row.process_id}/v{version}"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/processes/{row.process_id}/v{version}")
    assert instance(row.id).status == "cancelled"
    (event,) = events(row.id, "instance.terminated")
    assert event.detail["before"] == "running" and event.detail["reason"] == "重复申报"


@pytest.mark.parametrize("username", ["unit1", "finance1", "finance_admin"])
def test_only_analysts_skip_edit_data_or_terminate(client, login, people, tmp_path, username):
    deploy_repair_probe(tmp_path, PREPARE="y = 1 / 0")
    iid = start_failing()
    login(username)
    requests = [
        ("post", f"/processes/incidents/{iid}/skip", {"reason": "x"}),
        ("get", f"/processes/instances/{iid}/data", None),
        ("post", f"/processes/instances/{iid}/data", {"data": "{}"}),
        ("post", f"/processes/instances/{iid}/terminate", {"reason": "x", "confirm": "yes"}),
    ]
    for method, url, form in requests:
        for headers in ({}, {"Accept": "application/json"}):
            response = getattr(client, method)(url, data=form, headers=headers)
            assert response.status_code == 404, (username, method, url, headers)
    assert instance(iid).status == "incident"
    assert not [e for e in ("instance.skip", "instance.data_edited", "instance.terminated") if events(iid, e)]


def test_the_three_actions_through_the_pages_on_either_database(any_app, people, tmp_path):
    from zerolegwork.demo import DEMO_PASSWORD

    deploy_repair_probe(tmp_path, PREPARE="y = missing + 1", CHECK="z = y / 0")
    iid = start_failing()
    client = any_app.test_client()
    client.post("/login", data={"username": "analyst", "password": DEMO_PASSWORD})
    saved = client.post(f"/processes/instances/{iid}/data", data={"data": json.dumps({**START, "missing": 1})})
    assert saved.status_code == 302 and events(iid, "instance.data_edited")
    skipped = client.post(f"/processes/incidents/{iid}/skip", data={"reason": "已线下核算"}, follow_redirects=True)
    # with the data fixed, the step that fails now is the next one (check): that is what is skipped
    assert "已跳过“核对”：事项恢复办理" in page(skipped) and instance(iid).status == "running"
    ended = client.post(f"/processes/instances/{iid}/terminate", data={"reason": "放弃", "confirm": "yes"})
    assert ended.status_code == 302 and instance(iid).status == "cancelled"
    assert [t.state for t in tasks_of(iid)] == ["cancelled"]
