"""Composed-report pages: build a table, export it, save, share, re-run and delete definitions."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.reports.composer_support import build_world, user
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project
from zerolegwork.reports.composer import services as composer
from zerolegwork.reports.composer.models import ReportDefinition

RUN = "/reports/compose/?dim=region&dim=category&m=project_count&m=planned_investment&m=completion_pct"


@pytest.fixture
def world(app, people) -> dict[str, Any]:
    return build_world(people)


def test_the_builder_shows_the_catalog_and_no_table_before_a_run(client, login, world):
    login("finance1")
    page = client.get("/reports/compose/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "自组报表" in text and "资金来源" in text and "完成进度%" in text
    assert 'data-testid="composer-table"' not in text
    assert 'data-testid="definitions-empty"' in text


def test_a_run_shows_subtotals_bold_and_the_checksum(client, login, world):
    login("finance1")
    text = client.get(RUN).get_data(as_text=True)
    assert 'data-testid="composer-table"' in text and "table-stack" in text
    assert text.count('data-kind="subtotal"') == 4 and text.count('data-kind="total"') == 1
    assert "fw-bold" in text and "小计" in text and "合计" in text
    assert "60,050.7500" in text and "37%" in text
    assert 'data-testid="checksum"' in text


def test_an_empty_result_says_so(client, login, world):
    login("finance1")
    text = client.get(RUN + "&q=没有这个项目").get_data(as_text=True)
    assert 'data-testid="composer-empty"' in text


def test_a_hostile_name_in_the_url_is_refused_in_chinese_and_touches_nothing(client, login, world):
    login("finance1")
    for url in (
        "/reports/compose/?dim=region;DROP TABLE project&m=project_count",
        "/reports/compose/?dim=__class__&m=project_count",
        "/reports/compose/?dim=region&m=1=1",
        "/reports/compose/export.csv?dim=region&m=project_count)--",
    ):
        page = client.get(url)
        assert page.status_code == 422, url
        assert "未知的" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Project)) == 5


def test_an_unknown_export_format_is_not_found(client, login, world):
    login("finance1")
    assert client.get("/reports/compose/export.pdf?dim=region&m=project_count").status_code == 404


def test_exports_download_and_are_audited(client, login, world):
    login("finance1")
    page = client.get(RUN)
    checksum = page.get_data(as_text=True).split('data-testid="checksum">')[1].split("<")[0]
    href = page.get_data(as_text=True).split('data-testid="export-csv"')[0].rsplit('href="', 1)[1].split('"')[0]
    href = href.replace("&amp;", "&")
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert checksum in response.get_data().decode("utf-8-sig")  # the file is what the page showed
    xlsx = client.get(href.replace("export.csv", "export.xlsx"))
    assert xlsx.data[:2] == b"PK"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")).all()
    assert {e.detail["format"] for e in events} == {"csv", "xlsx"}


def test_an_uploaded_export_is_checked_against_the_data(client, login, world):
    login("finance1")
    table = composer.build(user("finance1"), {"dims": ["region"], "measures": ["project_count"]})
    response = client.post(
        "/reports/compose/verify",
        data={"file": (io.BytesIO(composer.to_csv(table)), "r.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已复现" in response.get_data(as_text=True)
    response = client.post(
        "/reports/compose/verify",
        data={"file": (io.BytesIO(b"not,an,export"), "r.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "不是自组报表的导出文件" in response.get_data(as_text=True)


def save(client: Any, name: str, shared: bool = False, **extra: str) -> Any:
    data = {"dim": ["region", "category"], "m": ["project_count", "planned_investment"], "name": name, **extra}
    if shared:
        data["shared"] = "1"
    return client.post("/reports/compose/definitions", data=data)


def test_saving_keeps_the_definition_and_is_audited(client, login, world):
    login("finance1")
    response = save(client, "分区分类投资", level="district")
    assert response.status_code == 302
    saved = db.session.scalars(select(ReportDefinition)).one()
    assert saved.definition == {
        "dims": ["region", "category"],
        "measures": ["project_count", "planned_investment"],
        "filters": {"level": "district"},
    }
    assert saved.owner_id == user("finance1").id and not saved.shared
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "分区分类投资" in page and "58,050.7500" in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "report_definition")).all()
    assert actions == ["report_definition.create"]


def test_saving_the_same_name_again_replaces_the_owners_definition(client, login, world):
    login("finance1")
    save(client, "同名报表")
    save(client, "同名报表", shared=True)
    assert db.session.scalar(select(func.count()).select_from(ReportDefinition)) == 1
    assert db.session.scalars(select(ReportDefinition)).one().shared


def test_a_shared_definition_is_run_by_a_colleague_but_not_changed_or_deleted(client, login, world):
    login("finance1")
    save(client, "共享报表", shared=True)
    save(client, "私人报表")
    shared = db.session.scalars(select(ReportDefinition).where(ReportDefinition.name == "共享报表")).one()
    private = db.session.scalars(select(ReportDefinition).where(ReportDefinition.name == "私人报表")).one()
    login("finance_chief")  # same organisation
    listing = client.get("/reports/compose/").get_data(as_text=True)
    assert "共享报表" in listing and "私人报表" not in listing
    assert 'data-testid="delete-definition"' not in listing
    run = client.get(f"/reports/compose/definitions/{shared.id}")
    assert run.status_code == 200 and "60,050.7500" in run.get_data(as_text=True)
    assert client.get(f"/reports/compose/definitions/{private.id}").status_code == 404
    assert client.post(f"/reports/compose/definitions/{shared.id}/delete").status_code == 404
    edit = save(client, "改名", definition_id=str(shared.id))
    assert edit.status_code == 404
    db.session.expire_all()
    assert db.session.get(ReportDefinition, shared.id).name == "共享报表"


def test_another_organisation_does_not_see_a_shared_definition(client, login, world):
    login("finance1")
    save(client, "共享报表", shared=True)
    shared = db.session.scalars(select(ReportDefinition)).one()
    login("finance1_150202")
    assert "共享报表" not in client.get("/reports/compose/").get_data(as_text=True)
    assert client.get(f"/reports/compose/definitions/{shared.id}").status_code == 404


def test_a_definition_runs_in_the_scope_of_whoever_runs_it(app, world):
    # shared definitions carry ids and filters, never numbers or a scope: each runner sees their own projects
    finance = user("finance1")
    saved = composer.save_definition(
        finance, "全市", composer.Definition.parse({"dims": ["region"], "measures": ["project_count"]}), shared=True
    )
    db.session.commit()
    definition = composer.stored_definition(saved)
    assert composer.build(finance, definition).rows[0].values == [5]
    assert composer.build(user("finance_chief"), definition).rows[0].values == [5]
    assert composer.build(user("finance1_150202"), definition).rows[0].values == [2]
    assert composer.build(user("unit1"), definition).rows[0].values == [3]


def test_the_owner_edits_and_deletes_with_a_confirmation(client, login, world):
    login("finance1")
    save(client, "我的报表")
    saved = db.session.scalars(select(ReportDefinition)).one()
    page = client.get(f"/reports/compose/definitions/{saved.id}").get_data(as_text=True)
    assert f'name="definition_id" value="{saved.id}"' in page
    assert "data-confirm=" in page
    response = client.post(
        "/reports/compose/definitions",
        data={"dim": ["level"], "m": ["project_count"], "name": "我的报表（改）", "definition_id": str(saved.id)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(ReportDefinition, saved.id)
    assert changed.name == "我的报表（改）" and changed.definition["dims"] == ["level"]
    assert client.post(f"/reports/compose/definitions/{saved.id}/delete").status_code == 302
    assert db.session.get(ReportDefinition, saved.id) is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "report_definition").order_by(AuditEvent.id)
    ).all()
    assert actions == ["report_definition.create", "report_definition.update", "report_definition.delete"]


def test_a_save_without_a_name_or_with_a_hostile_measure_is_refused(client, login, world):
    login("finance1")
    page = save(client, "  ")
    assert page.status_code == 302
    assert "请为报表命名" in client.get(page.headers["Location"]).get_data(as_text=True)
    bad = client.post("/reports/compose/definitions", data={"dim": ["region"], "m": ["__class__"], "name": "坏"})
    assert "未知的列标题" in client.get(bad.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReportDefinition)) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(RUN)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_works_on_a_phone_layout(client, login, world):
    login("finance1")
    text = client.get(RUN).get_data(as_text=True)
    assert 'name="viewport"' in text
    assert 'data-label="地区"' in text and 'data-label="完成进度%"' in text
