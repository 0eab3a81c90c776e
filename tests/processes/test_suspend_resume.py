"""Suspend and resume (issue 14 item 5): a suspended matter's tasks leave the inbox and cannot be done;
they come back on resume and the sign-off goes on; both are audited; bad requests answer in Chinese."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import ready_tasks, sign, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.errors import TaskNotReadyError
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.engine.repair import resume_instance, suspend_instance
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox


def instance_of(project_id: int) -> ProcessInstance:
    return db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project_id)).one()


def test_a_suspended_matter_leaves_the_inbox_and_comes_back_on_resume(client, login, people):
    project = submit(people, 0)
    (task,) = ready_tasks(project.id, "finance")
    instance = instance_of(project.id)
    login("finance1")
    assert f"/tasks/{task.id}" in client.get("/").get_data(as_text=True)
    login("analyst")
    response = client.post(
        f"/processes/instances/{instance.id}/suspend", data={"reason": "路由表有误，修正后恢复"}, follow_redirects=True
    )
    assert "已挂起：4 项待办已移出待办列表" in response.get_data(as_text=True)
    assert f'data-testid="suspended-{instance.id}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert ready_tasks(project.id) == []
    with pytest.raises(TaskNotReadyError):
        inbox.complete(people["users"]["finance1"], task.id, {"decision": "approve", "opinion": "同意。"})
    db.session.rollback()
    login("finance1")
    assert f"/tasks/{task.id}" not in client.get("/").get_data(as_text=True)
    login("analyst")
    response = client.post(f"/processes/instances/{instance.id}/resume", follow_redirects=True)
    assert "已恢复：4 项任务已回到待办列表" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(ready_tasks(project.id)) == 4
    for dept in sorted(t.org_code for t in ready_tasks(project.id)):
        sign(people, project.id, dept, "approve")
    db.session.expire_all()
    assert instance_of(project.id).status == "completed"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(instance.id))).all()
    assert "instance.suspend" in actions and "instance.resume" in actions


def test_suspend_needs_a_reason_and_a_running_matter(client, login, people):
    project = submit(people, 0)
    instance = instance_of(project.id)
    login("analyst")
    page = client.post(f"/processes/instances/{instance.id}/suspend", data={"reason": " "}, follow_redirects=True)
    assert "请说明挂起该事项的原因" in page.get_data(as_text=True)
    assert instance_of(project.id).status == "running"
    suspend_instance(instance.id, None, "测试")
    db.session.commit()
    again = client.post(f"/processes/instances/{instance.id}/suspend", data={"reason": "再挂起"}, follow_redirects=True)
    assert "只有办理中的事项可以挂起" in again.get_data(as_text=True)
    resume_instance(instance.id, None)
    db.session.commit()
    twice = client.post(f"/processes/instances/{instance.id}/resume", follow_redirects=True)
    assert "该事项未被挂起" in twice.get_data(as_text=True)
    assert db.session.scalar(select(HumanTask.state).where(HumanTask.project_id == project.id).limit(1)) == "ready"


def test_only_analysts_suspend_and_resume(client, login, people):
    project = submit(people, 0)
    instance = instance_of(project.id)
    login("finance_admin")
    assert client.post(f"/processes/instances/{instance.id}/suspend", data={"reason": "x"}).status_code == 404
    assert client.post(f"/processes/instances/{instance.id}/resume").status_code == 404
    assert instance_of(project.id).status == "running"


def test_a_suspended_task_is_refused_in_words_not_with_its_state_name(app):
    from zerolegwork.errors import engine_message

    status, message = engine_message(TaskNotReadyError("suspended"))
    assert status == 409 and "流程管理员已挂起此事项" in message and "suspended" not in message
