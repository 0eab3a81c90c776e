"""The calls pages: a department opens and publishes a call, a unit applies and withdraws, lists page and export."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import event, select

from tests.calls.conftest import call_form
from tests.files import samples
from zerolegwork.calls import applications
from zerolegwork.calls.models import ApplicationState, CallApplication, CallState, ProjectCall
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects


def form_data(**fields: object) -> dict[str, object]:
    return {k: v if len(v) > 1 else v[0] for k, v in call_form(**fields).to_dict(flat=False).items()}


def test_a_department_opens_a_call_sees_its_working_days_and_publishes_it(client, login, people, today):
    login("finance1")
    page = client.get("/calls/").get_data(as_text=True)
    assert 'data-testid="calls-empty"' in page and 'data-testid="new-call"' in page
    resp = client.post("/calls/new", data=form_data())
    assert resp.status_code == 302
    call = db.session.scalars(select(ProjectCall)).one()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "9 个工作日" in page and "中央转移支付节能减排资金" in page and "申报书" in page
    assert 'data-testid="publish-call"' in page and "data-confirm=" in page
    assert 'data-testid="applications-empty"' in page
    assert client.post(f"/calls/{call.id}/publish").status_code == 302
    db.session.refresh(call)
    assert call.state == CallState.OPEN
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert 'data-testid="close-call"' in page and 'data-testid="edit-call"' not in page
    assert client.get(f"/calls/{call.id}/edit").status_code == 302  # a published call is not edited


def test_a_bad_call_form_is_answered_in_chinese_and_keeps_what_was_typed(client, login, people, today):
    login("finance1")
    resp = client.post("/calls/new", data=form_data(title="保留的标题", opens_on="2026-10-01"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "2026-10-01 不是法定工作日" in page and "保留的标题" in page
    assert db.session.scalars(select(ProjectCall)).all() == []


def test_only_finance_and_development_reform_departments_may_open_a_call(client, login, people):
    for name in ("unit1", "env1", "agency1"):
        login(name)
        assert client.get("/calls/new").status_code == 404, name
        assert client.post("/calls/new", data=form_data()).status_code == 404, name
    login("ndrc1")
    assert client.get("/calls/new").status_code == 200


def test_a_unit_applies_through_the_page_with_its_attachments_and_withdraws(client, login, people, make_call, today):
    call = make_call()
    today(date(2026, 9, 22))
    login("unit1")
    page = client.get("/calls/").get_data(as_text=True)
    assert call.title in page and "征集中" in page
    page = client.get(f"/calls/{call.id}/apply").get_data(as_text=True)
    assert people["projects"][0].name in page and 'name="file_s1"' in page
    project = people["projects"][0]
    resp = client.post(
        f"/calls/{call.id}/apply",
        data={"mode": "existing", "project_id": str(project.id), "file_s1": (io.BytesIO(samples.PDF), "申报书.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "缺少必需附件：可行性研究报告" in resp.get_data(as_text=True)
    resp = client.post(
        f"/calls/{call.id}/apply",
        data={
            "mode": "existing",
            "project_id": str(project.id),
            "file_s1": (io.BytesIO(samples.PDF), "申报书.pdf"),
            "file_s2": (io.BytesIO(samples.OTHER_PDF), "可研.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    application = db.session.scalars(select(CallApplication)).one()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert project.code in page and 'data-testid="withdraw"' in page and "data-confirm=" in page
    assert f"/files/{application.attachments['s2']}/download" in page
    login("finance1")  # the issuing department reads the material
    assert client.get(f"/files/{application.attachments['s2']}/download").data == samples.OTHER_PDF
    login("unit1")
    assert client.post(f"/calls/applications/{application.id}/withdraw").status_code == 302
    db.session.refresh(application)
    assert application.state == ApplicationState.WITHDRAWN


def test_a_late_application_page_says_why(client, login, people, make_call, today):
    call = make_call()
    today(date(2026, 10, 12))
    login("unit1")
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "2026-10-09 截止，逾期申报不予受理" in page and 'data-testid="apply"' not in page
    resp = client.post(
        f"/calls/{call.id}/apply", data={"mode": "existing", "project_id": str(people["projects"][0].id)}
    )
    assert resp.status_code == 422 and "逾期申报不予受理" in resp.get_data(as_text=True)
    assert db.session.scalars(select(CallApplication)).all() == []


def test_nobody_reaches_a_call_or_application_by_changing_the_number(
    client, login, people, make_call, today, other_unit
):
    from zerolegwork.orgs import services as orgs

    draft = make_call(publish=False)
    kun_only = make_call(region_ids=[str(orgs.ensure_regions()["昆区"].id)])
    call = make_call()
    today(date(2026, 9, 22))
    mine = applications.apply(people["users"]["unit1"], call.id, people["projects"][0].id, _files(call))
    db.session.commit()
    login("other_unit")
    for url in (f"/calls/{draft.id}", f"/calls/{kun_only.id}", f"/calls/{kun_only.id}/apply", "/calls/99999"):
        assert client.get(url).status_code == 404, url
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert people["projects"][0].name not in page  # another unit's application is not listed
    assert client.post(f"/calls/applications/{mine.id}/withdraw").status_code == 404
    xlsx = client.get(f"/calls/{call.id}/applications.xlsx")
    assert people["projects"][0].name not in _cells(xlsx.data)
    login("finance1_150202")  # another region's finance department
    for url in (f"/calls/{draft.id}", f"/calls/{draft.id}/edit", f"/calls/{call.id}/applications.xlsx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/calls/{draft.id}/edit", data=form_data(title="越权")).status_code == 404
    assert client.post(f"/calls/{draft.id}/publish").status_code == 404
    assert client.post(f"/calls/{call.id}/close").status_code == 404
    assert client.post(f"/calls/applications/{mine.id}/withdraw").status_code == 404
    login("finance1")
    assert client.post(f"/calls/applications/{mine.id}/withdraw").status_code == 404
    db.session.expire_all()
    assert db.session.get(ProjectCall, draft.id).title != "越权"
    assert db.session.get(ProjectCall, draft.id).state == CallState.DRAFT
    assert db.session.get(ProjectCall, call.id).state == CallState.OPEN
    assert db.session.get(CallApplication, mine.id).state == ApplicationState.SUBMITTED


def _files(call: ProjectCall) -> dict[str, tuple[str, object]]:
    return {s["key"]: (f"{s['key']}.pdf", io.BytesIO(samples.PDF)) for s in call.slots}


def _cells(content: bytes) -> list[object]:
    book = load_workbook(io.BytesIO(content))
    return [c.value for row in book.active.iter_rows() for c in row]


def test_hostile_text_is_escaped_on_the_page_and_kept_as_text_in_the_export(client, login, people, make_call, today):
    call = make_call(title="<script>alert(1)</script>征集", slots="")
    today(date(2026, 9, 22))
    unit = people["users"]["unit1"]
    hostile = projects.create_project(None, '=HYPERLINK("http://x")', unit.org_id, "昆区", "市政道路", Decimal("1"))
    applications.apply(unit, call.id, hostile.id, {})
    db.session.commit()
    login("finance1")
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    resp = client.get(f"/calls/{call.id}/applications.xlsx?q=HYPERLINK")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert cells and all(c.data_type == "s" for c in cells)
    listing = client.get("/calls/export")
    assert "<script>alert(1)</script>征集" in _cells(listing.data)


def test_the_pages_have_a_phone_layout(client, login, people, make_call, today):
    call = make_call()
    login("finance1")
    for url in ("/calls/", f"/calls/{call.id}"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="viewport"' in page
    assert "table-stack" in client.get("/calls/").get_data(as_text=True)


def test_the_applications_page_runs_the_same_statements_for_5_and_60_applications(any_app, people, make_call, today):
    call_id = make_call(slots="").id
    today(date(2026, 9, 22))
    unit_id = people["users"]["unit1"].id
    client = any_app.test_client()
    from zerolegwork.demo import DEMO_PASSWORD

    assert client.post("/login", data={"username": "finance1", "password": DEMO_PASSWORD}).status_code == 302

    def add(n: int) -> None:
        from zerolegwork.orgs.models import User

        unit = db.session.get(User, unit_id)
        for i in range(n):
            project = projects.create_project(None, f"节能项目{i}", unit.org_id, "昆区", "市政道路", Decimal("10"))
            applications.apply(unit, call_id, project.id, {})
        db.session.commit()

    def statements() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with any_app.app_context():  # a fresh context, as a request gets: its own session and `g`
                resp = client.get(f"/calls/{call_id}?q=节能")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert resp.status_code == 200
        return len(seen), resp.get_data(as_text=True).count('data-testid="application-row"')

    add(5)
    few, rows = statements()
    assert rows == 5
    add(55)
    many, rows = statements()
    assert rows == 20 and "第 1 页，共 3 页" in client.get(f"/calls/{call_id}").get_data(as_text=True)
    assert few == many, (few, many)
    assert few <= 12, few  # the user, the call, the count, the page, the regions, dictionaries, the badges


def test_a_unit_registers_a_new_project_on_the_application_form(client, login, people, make_call, today):
    from zerolegwork.orgs import services as orgs

    call = make_call(slots="申报书")
    today(date(2026, 9, 22))
    login("unit1")
    page = client.get(f"/calls/{call.id}/apply").get_data(as_text=True)
    assert 'name="planned_investment"' in page and 'value="new"' in page
    fields = {
        "mode": "new",
        "name": "青山区余热回收项目",
        "region_id": str(orgs.ensure_regions()["青山区"].id),
        "category": "生态环保",
        "industry_type": "能源",
        "investment_policy": "一般公共预算",
        "construction_mode": "新建",
        "investment_mode": "直接投资",
        "management_status": "储备",
        "competent_department_id": str(orgs.org_by_code("environment").id),
        "start_year": "2026",
        "end_year": "2027",
        "file_s1": (io.BytesIO(samples.PDF), "申报书.pdf"),
    }
    resp = client.post(f"/calls/{call.id}/apply", data=dict(fields), content_type="multipart/form-data")
    assert resp.status_code == 422 and 'data-testid="error-planned_investment"' in resp.get_data(as_text=True)
    assert "青山区余热回收项目" in resp.get_data(as_text=True)  # what was typed stays
    fields["file_s1"] = (io.BytesIO(samples.PDF), "申报书.pdf")
    resp = client.post(
        f"/calls/{call.id}/apply", data={**fields, "planned_investment": "900"}, content_type="multipart/form-data"
    )
    assert resp.status_code == 302
    application = db.session.scalars(select(CallApplication)).one()
    assert (
        application.project.name == "青山区余热回收项目"
        and application.project.unit_id == people["users"]["unit1"].org_id
    )


def test_the_project_page_names_a_calls_attachments_by_the_call(client, login, people, make_call, today):
    call = make_call()
    today(date(2026, 9, 22))
    project = people["projects"][0]
    applications.apply(people["users"]["unit1"], call.id, project.id, _files(call))
    db.session.commit()
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"{call.title} · 申报书" in page and f"{call.title} · 可行性研究报告" in page
    assert applications.slot_labels(["call99999_s1", "site_photo", "call1_x"]) == {}
