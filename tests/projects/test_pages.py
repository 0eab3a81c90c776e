"""The library pages: list with filters, registering, choosing functions, the project page and its log."""

from __future__ import annotations

from sqlalchemy import select

from tests.projects.test_library import _form
from zerolegwork.extensions import db
from zerolegwork.projects.models import LogEntry, Project


def test_a_unit_registers_a_project_then_chooses_its_functions(client, login, people):
    login("unit1")
    page = client.get("/projects/new")
    assert page.status_code == 200 and "项目名称" in page.get_data(as_text=True)
    resp = client.post("/projects/new", data=_form(name="阿尔丁大街道路工程"))
    assert resp.status_code == 302 and "/functions" in resp.location
    project = db.session.scalars(select(Project).where(Project.name == "阿尔丁大街道路工程")).one()
    page = client.get(resp.location).get_data(as_text=True)
    assert "可行性研究报告" in page and "形象进度" in page
    resp = client.post(resp.location, data={"procedures": ["proposal", "feasibility"], "progress": ["image"]})
    assert resp.status_code == 302
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "项目建议书、可行性研究报告" in page and project.code in page


def test_a_bad_registration_comes_back_with_chinese_messages(client, login, people):
    login("unit1")
    resp = client.post("/projects/new", data=_form(name="", planned_investment="很多"))
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "此项为必填项" in text or "必填" in text
    assert 'data-testid="error-planned_investment"' in text


def test_the_list_filters_and_offers_saving_them(client, login, people):
    login("housing1")
    page = client.get("/projects/?category=城市更新").get_data(as_text=True)
    assert "东河区老旧小区改造" in page and "污水处理厂" not in page
    assert 'data-testid="save-filter"' in page
    resp = client.post("/projects/filters", data={"category": "城市更新", "filter_name": "更新项目"})
    assert resp.status_code == 302
    page = client.get("/projects/").get_data(as_text=True)
    assert "更新项目" in page
    empty = client.get("/projects/?q=不存在的项目").get_data(as_text=True)
    assert 'data-testid="projects-empty"' in empty


def test_the_project_page_shows_processes_tasks_log_and_history(client, login, people):
    project = people["projects"][0]
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    for text in ("项目信息", "绩效评价", "建设日志", 'data-testid="no-open-tasks"', 'data-testid="log-empty"'):
        assert text in page
    resp = client.post(f"/projects/{project.id}/log", data={"entry_date": "2026-11-20", "text": "完成路基施工。"})
    assert resp.status_code == 302
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "完成路基施工。" in page
    resp = client.post(f"/projects/{project.id}/log", data={"entry_date": "明天", "text": "x"}, follow_redirects=True)
    assert "日期" in resp.get_data(as_text=True)
    assert db.session.scalars(select(LogEntry)).all()[0].text == "完成路基施工。"


def test_another_districts_department_gets_404_for_every_project_page(client, login, people):
    project = people["projects"][0]
    login("finance1_150202")
    for url in (f"/projects/{project.id}", f"/projects/{project.id}/functions", f"/projects/{project.id}/diagram.xml"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/projects/{project.id}/log", data={"entry_date": "2026-11-20", "text": "x"}).status_code == 404


def test_a_log_entry_carries_photos_and_a_bad_photo_refuses_the_entry(client, login, people, tmp_path):
    import io

    from tests.files.samples import PDF, SCRIPT, image
    from zerolegwork.files.models import Attachment

    project = people["projects"][0]
    login("unit1")
    data = {
        "entry_date": "2026-11-20",
        "text": "基础浇筑完成。",
        "photos": [(io.BytesIO(image()), "site1.png"), (io.BytesIO(image("JPEG")), "site2.jpg")],
    }
    resp = client.post(f"/projects/{project.id}/log", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    (entry,) = db.session.scalars(select(LogEntry)).all()
    slots = db.session.scalars(select(Attachment.slot).where(Attachment.project_id == project.id)).all()
    assert slots == [f"log_{entry.id}", f"log_{entry.id}"]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="log-photos-shown"' in page and "site1.png" in page
    for name, body in (("run.png", SCRIPT), ("scan.pdf", PDF)):
        bad = {"entry_date": "2026-11-21", "text": "另一条。", "photos": [(io.BytesIO(body), name)]}
        resp = client.post(f"/projects/{project.id}/log", data=bad, content_type="multipart/form-data")
        assert resp.status_code == 302
    assert len(db.session.scalars(select(LogEntry)).all()) == 1  # the refused photos took their entries with them
