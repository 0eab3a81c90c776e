"""The upload page, the template download and the export of a project list."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.projects_io.support import HEADERS, many, row, workbook
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.routing import today_local
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import OrgKind
from zerolegwork.projects.models import Project
from zerolegwork.projects.services import create_project

URL = "/projects/transfer/import"


def upload(client, data: bytes, **form):  # type: ignore[no-untyped-def]
    return client.post(
        URL, data={"file": (io.BytesIO(data), "项目库.xlsx"), **form}, content_type="multipart/form-data"
    )


def projects() -> int:
    return db.session.scalar(select(func.count()).select_from(Project)) or 0


def sheet_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))


def test_a_region_administrator_uploads_a_library(client, login, people):
    login("admin")
    page = client.get(URL)
    assert page.status_code == 200 and 'name="file"' in page.get_data(as_text=True)
    before = projects()
    response = upload(client, workbook(many(25)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert 'data-testid="import-done"' in html and "已导入 25 个项目。" in html
    db.session.remove()
    assert projects() == before + 25


def test_a_bad_file_shows_each_row_and_column_and_imports_nothing(client, login, people):
    login("admin")
    rows = many(8)
    rows[4] = row(4, **{"计划投资（万元）": "-3"})
    before = projects()
    response = upload(client, workbook(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="import-refused"' in html
    assert html.count('data-testid="import-error"') == 1
    assert '<td data-label="行">6</td>' in html and "计划投资（万元）" in html
    db.session.remove()
    assert projects() == before


def test_values_no_dictionary_names_are_listed_once_with_their_row_counts(client, login, people):
    login("admin")
    rows = many(6)
    for i in (1, 3, 5):
        rows[i] = row(i, **{"项目类别": "交通运输"})
    before = projects()
    response = upload(client, workbook(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="import-refused"' in html
    assert html.count('data-testid="import-unmatched-value"') == 1
    assert '<td data-label="值">交通运输</td><td data-label="行数">3</td>' in html
    db.session.remove()
    assert projects() == before


def test_check_only_imports_nothing(client, login, people):
    login("admin")
    before = projects()
    response = upload(client, workbook(many(3)), dry_run="1")
    assert response.status_code == 200 and "3 行全部无误" in response.get_data(as_text=True)
    db.session.remove()
    assert projects() == before


def test_a_district_administrator_imports_only_its_own_district(client, login, people):
    login("admin_150202")  # 东河区
    assert client.get(URL).status_code == 200
    response = upload(client, workbook([row(1)]))  # a 昆区 project
    assert response.status_code == 422 and "只能导入本地区的项目" in response.get_data(as_text=True)
    assert upload(client, workbook([row(2, **{"项目地区": "东河区"})])).status_code == 200


def test_units_and_departments_may_not_import(client, login, people):
    for username in ("unit1", "finance1"):
        login(username)
        assert client.get(URL).status_code == 404
        assert upload(client, workbook([row(1)])).status_code == 404


def test_the_template_has_the_headers_an_example_and_the_allowed_values(client, login, people):
    login("unit1")
    response = client.get("/projects/transfer/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["项目", "可选值", "填写说明"]
    header, example = [[c.value for c in r] for r in book["项目"].iter_rows(max_row=2)]
    assert header[: len(HEADERS)] == HEADERS and "项目代码" in header and "管理状态" in header
    assert example[0].startswith("【示例】")
    allowed = {c.value: i for i, c in enumerate(book["可选值"][1])}
    assert {
        "项目级次",
        "项目地区",
        "项目类别",
        "投资政策",
        "行业类型",
        "建设方式",
        "投资方式",
        "管理状态",
        "主管部门",
    } <= set(allowed)


def test_the_export_holds_exactly_the_visible_filtered_projects(client, login, people):
    region = orgs.ensure_regions()["东河区"]
    other = orgs.create_org("other_unit_org", "东河区某建设单位", OrgKind.UNIT, region)
    create_project(None, "另一单位的项目", other.id, "东河区", "市政道路", Decimal("10"), start_year=2026)
    db.session.commit()
    login("unit1")
    response = client.get("/projects/transfer/export.xlsx")
    assert response.status_code == 200
    assert f"{today_local().isoformat()}.xlsx" in response.headers["Content-Disposition"]
    rows = sheet_rows(response.data)
    header, data = rows[0], rows[1:]
    assert header[:3] == ("项目代码", "项目名称", "项目单位") and header[-1] == "状态"
    own = {p.code for p in people["projects"]}
    assert {r[0] for r in data} == own
    assert "另一单位的项目" not in {r[1] for r in data}
    one = next(r for r in data if r[1] == "青山区第三污水处理厂扩建项目")
    assert one[2:7] == ("包头市城市建设投资有限公司", "旗县区", "青山区", "生态环保", "包头市生态环境局")
    assert one[7] == 35600.5 and one[8] == 0 and one[9] == "2026-2028" and one[-1] == "草稿"
    filtered = sheet_rows(client.get("/projects/transfer/export.xlsx?category=生态环保").data)
    assert [r[1] for r in filtered[1:]] == ["青山区第三污水处理厂扩建项目"]
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "project.export")) == 2


def test_an_export_reimports_into_an_empty_library(client, login, people):
    login("finance1")  # a city department sees the whole city
    data = client.get("/projects/transfer/export.xlsx").data
    money = load_workbook(io.BytesIO(data)).worksheets[0]["H2"]
    assert money.number_format == "#,##0.0000"
    from zerolegwork.projects.models import Engagement

    db.session.execute(Engagement.__table__.delete())  # the demo engages an agency on a project
    db.session.execute(Project.__table__.delete())
    db.session.commit()
    login("admin")
    response = upload(client, data)
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.remove()
    assert projects() == 3
    assert db.session.scalar(select(Project.planned_investment).where(Project.name.like("青山区%"))) == Decimal(
        "35600.5"
    )
