"""Department administrators configure their own structure; routing follows without BPMN edits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.helpers import ready_tasks
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.routing import today_local
from zerolegwork.extensions import db
from zerolegwork.orgs.models import MgmtLevel, Organisation, Post, Substitution, User


def finance_id() -> int:
    return db.session.scalars(select(Organisation.id).where(Organisation.code == "finance")).one()


def test_only_a_department_administrator_sees_the_page(client, login, people):
    login("finance1")
    assert client.get("/dept/").status_code == 404
    assert client.post("/dept/level", data={"name": "处长"}).status_code == 404
    login("unit1")
    assert client.get("/dept/").status_code == 404
    login("finance_admin")
    page = client.get("/dept/").get_data(as_text=True)
    assert "审批" in page and "经办岗" in page


def test_an_added_level_post_and_chain_step_route_the_next_signoff(client, login, people):
    login("finance_admin")
    assert client.post("/dept/level", data={"name": "局长"}).status_code == 303
    level = db.session.scalars(
        select(MgmtLevel).where(MgmtLevel.org_id == finance_id(), MgmtLevel.name == "局长")
    ).one()
    assert level.rank == 4
    client.post("/dept/post", data={"name": "局长岗", "level_id": level.id})
    post = db.session.scalars(select(Post).where(Post.org_id == finance_id(), Post.name == "局长岗")).one()
    chief = people["users"]["finance_chief"]
    client.post("/dept/assign", data={"post_id": post.id, "user_id": chief.id})
    handler_post = db.session.scalars(select(Post).where(Post.org_id == finance_id(), Post.name == "经办岗")).one()
    resp = client.post("/dept/chain", data={"mode": "approval", "post_id": [handler_post.id, post.id]})
    assert resp.status_code == 303
    assert "局长岗" in client.get("/dept/").get_data(as_text=True)
    login("unit1")
    project = people["projects"][0]
    client.post(f"/projects/{project.id}/submit")
    (task,) = ready_tasks(project.id, "finance")
    assert task.chain == [handler_post.id, post.id]
    login("finance1")
    client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "经办同意"})
    db.session.refresh(task)
    assert task.post_id == post.id and task.state == "ready"
    login("finance_chief")
    assert project.name in client.get("/").get_data(as_text=True)
    client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "局长同意"})
    db.session.refresh(task)
    assert task.state == "completed"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("org.%"))).all()
    assert {"org.level_add", "org.post_add", "org.post_assign", "org.chain"} <= set(actions)


def test_bad_structure_input_is_refused_with_a_message(client, login, people):
    login("finance_admin")
    resp = client.post("/dept/level", data={"name": ""}, follow_redirects=True)
    assert "请输入名称" in resp.get_data(as_text=True)
    resp = client.post("/dept/level", data={"name": "科长"}, follow_redirects=True)
    assert "该名称已被使用" in resp.get_data(as_text=True)
    other_post = db.session.scalars(select(Post).where(Post.org_id != finance_id())).first()
    resp = client.post("/dept/chain", data={"mode": "approval", "post_id": [other_post.id]}, follow_redirects=True)
    assert "请从列出的选项中选择一项" in resp.get_data(as_text=True)
    resp = client.post("/dept/chain", data={"mode": "nonsense", "post_id": []}, follow_redirects=True)
    assert "请从列出的选项中选择一项" in resp.get_data(as_text=True)
    outsider = people["users"]["ndrc1"]
    post = db.session.scalars(select(Post).where(Post.org_id == finance_id())).first()
    resp = client.post("/dept/assign", data={"post_id": post.id, "user_id": outsider.id}, follow_redirects=True)
    assert "请从列出的选项中选择一项" in resp.get_data(as_text=True)


def test_a_user_names_and_revokes_a_substitute(client, login, people):
    login("finance_chief")
    today = today_local()
    colleague = people["users"]["finance1"]
    resp = client.post(
        "/dept/substitutes",
        data={
            "substitute_id": colleague.id,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=2)).isoformat(),
        },
    )
    assert resp.status_code == 303
    row = db.session.scalars(select(Substitution)).one()
    assert row.substitute_id == colleague.id
    login("finance1")
    assert "财政局 科长" in client.get("/dept/substitutes").get_data(as_text=True)
    login("finance_chief")
    client.post("/dept/substitutes", data={"revoke": row.id})
    db.session.refresh(row)
    assert row.revoked_at is not None


def test_bad_substitutions_are_refused(client, login, people):
    login("finance_chief")
    today = today_local()
    outsider = people["users"]["ndrc1"]
    me = db.session.scalars(select(User).where(User.username == "finance_chief")).one()
    colleague = people["users"]["finance1"]
    cases = [
        (
            {"substitute_id": outsider.id, "starts_on": today.isoformat(), "ends_on": today.isoformat()},
            "请选择本单位的同事",
        ),
        ({"substitute_id": me.id, "starts_on": today.isoformat(), "ends_on": today.isoformat()}, "请选择本单位的同事"),
        ({"substitute_id": colleague.id, "starts_on": "2026-13-01", "ends_on": today.isoformat()}, "YYYY-MM-DD"),
        (
            {
                "substitute_id": colleague.id,
                "starts_on": today.isoformat(),
                "ends_on": (today - timedelta(days=1)).isoformat(),
            },
            "结束日期早于开始日期",
        ),
        (
            {
                "substitute_id": colleague.id,
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=400)).isoformat(),
            },
            "最长一年",
        ),
    ]
    for data, message in cases:
        resp = client.post("/dept/substitutes", data=data)
        assert resp.status_code == 422, data
        assert message in resp.get_data(as_text=True), data
    assert db.session.scalars(select(Substitution)).all() == []


def test_an_administrator_adds_a_person_and_disables_one(client, login, people):
    login("finance_admin")
    resp = client.post(
        "/dept/person", data={"username": "finance_new", "display_name": "新同事", "password": "Caizheng-Ju-2026"}
    )
    assert resp.status_code == 303
    new = db.session.scalars(select(User).where(User.username == "finance_new")).one()
    assert new.org_id == finance_id()
    resp = client.post(
        "/dept/person",
        data={"username": "finance_weak", "display_name": "弱密码", "password": "123"},
        follow_redirects=True,
    )
    assert "12" in resp.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.username == "finance_weak")).first() is None
    outsider = people["users"]["ndrc1"]
    resp = client.post("/dept/disable", data={"user_id": outsider.id}, follow_redirects=True)
    assert "请从列出的选项中选择一项" in resp.get_data(as_text=True)
    client.post("/dept/disable", data={"user_id": new.id})
    db.session.refresh(new)
    assert new.active is False
    admin = db.session.scalars(select(User).where(User.username == "finance_admin")).one()
    resp = client.post("/dept/disable", data={"user_id": admin.id}, follow_redirects=True)
    assert "不能停用自己的账户" in resp.get_data(as_text=True)
