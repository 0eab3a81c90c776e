"""The joint sign-off through the pages, with the test client."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import ready_tasks
from zerolegwork.extensions import db
from zerolegwork.projects.models import ProjectState


def test_login_page_speaks_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page


def test_wrong_password_is_refused_with_a_chinese_message(client, people):
    resp = client.post("/login", data={"username": "unit1", "password": "wrong"})
    assert resp.status_code == 401
    assert "用户名或密码错误" in resp.get_data(as_text=True)


def test_pages_need_sign_in(client):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_unit_submits_and_each_department_approves_through_the_pages(client, login, people):
    project = people["projects"][0]
    login("unit1")
    resp = client.post(f"/projects/{project.id}/submit")
    assert resp.status_code == 302
    for username, org in [("finance1", "finance"), ("ndrc1", "ndrc"), ("env1", "environment"), ("housing1", "housing")]:
        login(username)
        inbox = client.get("/").get_data(as_text=True)
        assert project.name in inbox
        (task,) = ready_tasks(project.id, org)
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert "审批结论" in page
        resp = client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": f"{org} 同意"})
        assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED
    login("unit1")
    detail = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "finance 同意" in detail and "已通过" in detail


def test_form_errors_are_shown_in_chinese_and_nothing_is_saved(client, login, people):
    project = people["projects"][0]
    login("unit1")
    client.post(f"/projects/{project.id}/submit")
    login("finance1")
    (task,) = ready_tasks(project.id, "finance")
    resp = client.post(f"/tasks/{task.id}", data={"decision": "", "opinion": ""})
    assert resp.status_code == 422
    assert "此项为必填项" in resp.get_data(as_text=True)
    assert ready_tasks(project.id, "finance")[0].id == task.id


def test_a_second_submission_of_the_same_task_gets_409(client, login, people):
    project = people["projects"][0]
    login("unit1")
    client.post(f"/projects/{project.id}/submit")
    login("finance1")
    (task,) = ready_tasks(project.id, "finance")
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "同意"}).status_code == 302
    resp = client.post(f"/tasks/{task.id}", data={"decision": "reject", "opinion": "改主意"})
    assert resp.status_code == 409
    assert "已" in resp.get_data(as_text=True)


def test_another_departments_task_answers_404(client, login, people):
    project = people["projects"][0]
    login("unit1")
    client.post(f"/projects/{project.id}/submit")
    (task,) = ready_tasks(project.id, "finance")
    login("ndrc1")
    assert client.get(f"/tasks/{task.id}").status_code == 404
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "越权"}).status_code == 404
    assert ready_tasks(project.id, "finance")[0].id == task.id


def test_another_districts_project_answers_404_and_a_department_cannot_submit(client, login, people):
    kun_project = people["projects"][0]  # in 昆区
    login("finance1_150202")  # 东河区 finance
    assert client.get(f"/projects/{kun_project.id}").status_code == 404
    assert client.post(f"/projects/{kun_project.id}/submit").status_code == 404
    login("finance1")  # city finance sees the whole city, but only the unit may submit
    assert client.get(f"/projects/{kun_project.id}").status_code == 200
    assert client.post(f"/projects/{kun_project.id}/submit").status_code == 404


def test_a_post_without_csrf_token_is_refused_in_chinese(tmp_path):
    from tests.conftest import make_settings
    from zerolegwork import create_app

    settings = make_settings(f"sqlite:///{tmp_path / 'csrf.db'}")
    settings.extra = {"WTF_CSRF_ENABLED": True}
    client = create_app(settings).test_client()
    resp = client.post("/login", data={"username": "unit1", "password": "x"})
    assert resp.status_code == 400
    assert "表单已过期" in resp.get_data(as_text=True)


def test_the_city_shares_a_project_with_a_district_whose_departments_then_see_it(client, login, people):
    from zerolegwork.orgs.models import Region

    kun_project = people["projects"][0]  # in 昆区
    donghe = db.session.scalars(select(Region.id).where(Region.name == "东河区")).one()
    login("finance1_150202")
    assert client.get(f"/projects/{kun_project.id}").status_code == 404
    assert client.post(f"/projects/{kun_project.id}/share", data={"region_id": donghe}).status_code == 404
    login("finance1")
    assert client.post(f"/projects/{kun_project.id}/share", data={"region_id": donghe}).status_code == 302
    assert "东河区" in client.get(f"/projects/{kun_project.id}").get_data(as_text=True)
    login("finance1_150202")
    assert client.get(f"/projects/{kun_project.id}").status_code == 200
    login("finance1_150204")  # 青山区 still does not see it
    assert client.get(f"/projects/{kun_project.id}").status_code == 404
