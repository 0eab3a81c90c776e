"""The fixed statistics tables: hand-worked totals, row order, rounding, scope, the renderers and the CLI."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.reports.fixed_support import REGIONAL_ROWS, build_world
from zerolegwork.extensions import db
from zerolegwork.reports.fixed import render, tables


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_world()


def cells(table: tables.Table) -> list[tuple[str, ...]]:
    return [tuple(row.cells()) for row in table.rows]


def pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def test_completion_percent_rounds_half_up_to_a_whole_percent():
    assert tables.completion_percent(Decimal("2"), Decimal("3")) == 67
    assert tables.completion_percent(Decimal("1"), Decimal("3")) == 33
    assert tables.completion_percent(Decimal("1"), Decimal("200")) == 1  # 0.5 → 1, not banker's 0
    assert tables.completion_percent(Decimal("2.5"), Decimal("500")) == 1  # 0.5 again
    assert tables.completion_percent(Decimal("1750"), Decimal("14000")) == 13  # 12.5
    assert tables.completion_percent(Decimal("0.0049"), Decimal("1")) == 0  # 0.49
    assert tables.completion_percent(Decimal("0"), Decimal("0")) is None
    assert tables.completion_percent(Decimal("5"), Decimal("4")) == 125  # an overrun is shown as it is


def test_regional_table_rows_in_the_mission_order_with_hand_worked_totals(world):
    table = tables.regional_table(None)
    assert table.columns == ("序号", "项目内容", "项目数量", "计划投资", "累计投资", "完成进度%", "备注")
    assert cells(table) == REGIONAL_ROWS
    assert table.area == "包头市"
    assert table.title_line() == ["项目地区：包头市", f"制表时间：{table.date_text}", "单位：万元"]


def test_regional_table_amounts_are_exact_decimals(world):
    total, city, districts = tables.regional_table(None).rows[:3]
    assert (total.planned, total.cumulative) == (Decimal("61100.5000"), Decimal("2301.0000"))
    assert city.planned + districts.planned == total.planned
    assert city.count + districts.count == total.count


def test_a_city_department_sees_the_same_regional_table_as_the_command_line(world):
    assert cells(tables.regional_table(world["users"]["finance1"])) == REGIONAL_ROWS


def test_a_district_user_sees_only_the_districts_projects_in_every_table(world):
    user = world["users"]["finance1_150202"]  # 东河区财政局
    regional = tables.regional_table(user)
    assert regional.area == "东河区"
    assert cells(regional)[:4] == [
        ("", "汇总", "2", "9,000.0000", "100.0000", "1", ""),
        ("", "市本级", "0", "0.0000", "0.0000", "—", ""),
        ("", "旗县汇总", "2", "9,000.0000", "100.0000", "1", ""),
        ("1", "东河区", "2", "9,000.0000", "100.0000", "1", ""),
    ]
    assert all(row[2] == "0" for row in cells(regional)[4:])
    assert cells(tables.category_table(user))[:3] == [
        ("", "汇总", "2", "9,000.0000", "100.0000", "1", ""),
        ("1", "市政道路", "0", "0.0000", "0.0000", "—", ""),
        ("2", "城市更新", "2", "9,000.0000", "100.0000", "1", ""),
    ]
    assert cells(tables.stage_table(user))[:2] == [
        ("", "汇总", "2", "9,000.0000", "100.0000", "1", ""),
        ("1", "未启动", "2", "9,000.0000", "100.0000", "1", ""),
    ]
    assert cells(tables.department_table(user)) == [
        ("", "汇总", "2", "9,000.0000", "100.0000", "1", ""),
        ("1", "包头市住房和城乡建设局", "1", "8,650.2500", "0.0000", "0", ""),
        ("2", "东河区财政局", "1", "349.7500", "100.0000", "29", ""),
    ]
    funding = cells(tables.funding_table(user))
    assert funding[0] == ("", "汇总", "1", "349.7500", "100.0000", "29", "另有1个项目未登记投资计划")
    assert funding[4] == ("4", "区级资金", "1", "349.7500", "100.0000", "29", "")
    assert sum(int(row[2]) for row in funding[1:]) == 1


def test_a_unit_sees_its_own_projects_and_its_own_area(world):
    other_unit_user = world["users"]["unit1"]
    table = tables.regional_table(other_unit_user)
    assert table.area == "包头市"  # the demo unit is a city-level unit; all seven projects are its own
    assert cells(table) == REGIONAL_ROWS


def test_category_table_lists_every_category_in_vocabulary_order(world):
    assert cells(tables.category_table(None)) == [
        ("", "汇总", "7", "61,100.5000", "2,301.0000", "4", ""),
        ("1", "市政道路", "3", "16,300.0000", "2,200.0000", "13", ""),  # 13.497 %
        ("2", "城市更新", "2", "9,000.0000", "100.0000", "1", ""),
        ("3", "房屋建筑", "1", "200.0000", "1.0000", "1", ""),  # 0.5 % half up
        ("4", "工业", "0", "0.0000", "0.0000", "—", ""),
        ("5", "信息化", "0", "0.0000", "0.0000", "—", ""),
        ("6", "生态环保", "1", "35,600.5000", "0.0000", "0", ""),
        ("7", "农林水利", "0", "0.0000", "0.0000", "—", ""),
        ("8", "社会事业", "0", "0.0000", "0.0000", "—", ""),
        ("9", "其他", "0", "0.0000", "0.0000", "—", ""),
    ]


def test_stage_table_puts_not_started_first_then_the_lifecycle_stages(world):
    assert cells(tables.stage_table(None)) == [
        ("", "汇总", "7", "61,100.5000", "2,301.0000", "4", ""),
        ("1", "未启动", "5", "57,600.5000", "101.0000", "0", ""),  # 0.175 %
        ("2", "项目信息", "0", "0.0000", "0.0000", "—", ""),
        ("3", "投资审批", "0", "0.0000", "0.0000", "—", ""),
        ("4", "前期准备", "0", "0.0000", "0.0000", "—", ""),
        ("5", "建设实施", "2", "3,500.0000", "2,200.0000", "63", ""),  # 62.857 %
        ("6", "竣工验收", "0", "0.0000", "0.0000", "—", ""),
        ("7", "绩效评价", "0", "0.0000", "0.0000", "—", ""),
        ("8", "已完成", "0", "0.0000", "0.0000", "—", ""),
        ("9", "已终止", "0", "0.0000", "0.0000", "—", ""),
    ]


def test_department_table_lists_competent_departments_with_projects_and_the_unassigned_last(world):
    assert cells(tables.department_table(None)) == [
        ("", "汇总", "7", "61,100.5000", "2,301.0000", "4", ""),
        ("1", "包头市住房和城乡建设局", "3", "21,750.2500", "200.0000", "1", ""),  # 0.92 %
        ("2", "包头市发展和改革委员会", "1", "3,200.0000", "2,000.0000", "63", ""),  # 62.5 % half up
        ("3", "包头市生态环境局", "1", "35,600.5000", "0.0000", "0", ""),
        ("4", "东河区财政局", "1", "349.7500", "100.0000", "29", ""),
        ("5", "未指定主管部门", "1", "200.0000", "1.0000", "1", ""),
    ]


def test_funding_table_reads_the_current_plan_and_apportions_cumulative_investment(world):
    # P4's first plan (central 3200) was replaced by version 2 (bonds 1200 + city 2000)
    assert cells(tables.funding_table(None)) == [
        ("", "汇总", "3", "3,849.7500", "2,300.0000", "60", "另有4个项目未登记投资计划"),  # 59.75 %
        ("1", "中央转移支付", "1", "100.0000", "66.6667", "67", ""),  # 200 × 100/300
        ("2", "省级资金", "0", "0.0000", "0.0000", "—", ""),
        ("3", "市级资金", "2", "2,200.0000", "1,383.3333", "63", ""),  # 200 × 200/300 + 2000 × 2000/3200
        ("4", "区级资金", "1", "349.7500", "100.0000", "29", ""),
        ("5", "债券资金", "1", "1,200.0000", "750.0000", "63", ""),  # 62.5 % half up
        ("6", "银行贷款", "0", "0.0000", "0.0000", "—", ""),
        ("7", "自筹资金", "0", "0.0000", "0.0000", "—", ""),
        ("8", "其他资金", "0", "0.0000", "0.0000", "—", ""),
    ]


def _statements(run: Any) -> int:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_each_table_is_a_constant_number_of_statements_whatever_the_number_of_projects(world):
    from zerolegwork.projects import services as projects

    user = world["users"]["finance1"]
    expected = {"regional": 1, "category": 1, "stage": 1, "department": 1, "funding": 3}

    def measure() -> dict[str, int]:
        tables.regional_table(user)  # warm: the user's organisation and region load once
        return {name: _statements(lambda n=name: tables.build(n, user)) for name in tables.TABLES}

    assert measure() == expected
    unit = world["users"]["unit1"]
    for i in range(30):
        projects.create_project(None, f"批量项目{i}", unit.org_id, "达茂旗", "工业", Decimal("1.0000"))
    db.session.commit()
    assert measure() == expected
    assert cells(tables.regional_table(user))[-1] == ("10", "达茂旗", "30", "30.0000", "0.0000", "0", "")


def test_the_regional_table_is_the_same_on_postgresql(pg_app):
    world = build_world()
    assert cells(tables.regional_table(None)) == REGIONAL_ROWS
    assert cells(tables.funding_table(world["users"]["finance1"]))[3] == (
        "3",
        "市级资金",
        "2",
        "2,200.0000",
        "1,383.3333",
        "63",
        "",
    )


def test_csv_has_a_bom_the_title_line_and_plain_amounts(world):
    table = tables.regional_table(None)
    data = render.to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["项目管理平台统计表"]
    assert rows[1] == ["项目地区：包头市", f"制表时间：{table.date_text}", "单位：万元"]
    assert rows[2] == list(tables.COLUMNS)
    assert rows[3] == ["", "汇总", "7", "61100.5000", "2301.0000", "4", ""]
    assert rows[8] == ["3", "昆区", "2", "16000.0000", "2000.0000", "13", ""]  # after 1 东河区, 2 青山区
    assert rows[-1] == [f"数据截至 {table.time_text}（北京时间）"]


def test_excel_has_merged_title_rows_number_formats_and_the_as_of_time(world):
    from openpyxl import load_workbook

    table = tables.regional_table(None)
    sheet = load_workbook(io.BytesIO(render.to_xlsx(table))).active
    assert sheet["A1"].value == "项目管理平台统计表"
    assert "A1:G1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet["A2"].value, sheet["D2"].value, sheet["F2"].value] == table.title_line()
    assert [c.value for c in sheet[3]] == list(tables.COLUMNS)
    total = [c.value for c in sheet[4]]
    assert total[1:6] == ["汇总", 7, 61100.5, 2301, 4]
    assert sheet["D4"].number_format == "#,##0.0000"
    assert [sheet.cell(row=r, column=2).value for r in range(4, 17)] == [row[1] for row in REGIONAL_ROWS]
    assert sheet["A7"].value == 1 and sheet["F7"].value == 1  # 东河区
    assert sheet["F16"].value == "—"  # 达茂旗: nothing planned
    assert sheet["A17"].value == table.footer


def test_pdf_speaks_chinese_with_the_numbers(world):
    table = tables.regional_table(None)
    data = render.to_pdf(table)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for word in ("项目管理平台统计表", "汇总", "市本级", "旗县汇总", "白云矿区", "单位：万元", "完成进度%"):
        assert word in text
    assert "61,100.5000" in text and "2,301.0000" in text
    assert f"制表时间：{table.date_text}" in text


def test_the_fixed_table_page_shows_every_row_and_offers_the_downloads(world, client, login):
    login("finance1")
    page = client.get("/reports/fixed/regional").get_data(as_text=True)
    labels = re.findall(r'data-testid="fixed-label">([^<]+)<', page)
    assert labels == [row[1] for row in REGIONAL_ROWS]
    assert "项目地区：包头市" in page and "单位：万元" in page
    for fmt in ("csv", "xlsx", "pdf"):
        assert f"/reports/fixed/regional.{fmt}" in page
    assert client.get("/reports/fixed/nonsense").status_code == 404


def test_the_fixed_table_drill_down_counts_equal_the_shown_counts(world, client, login):
    login("finance1")
    for name in ("regional", "category", "stage", "department"):
        page = client.get(f"/reports/fixed/{name}").get_data(as_text=True)
        links = re.findall(r'<a href="([^"]+)" data-testid="drill" data-count="(\d+)">', page)
        assert links, name
        for href, count in links:
            listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
            shown = re.search(r'data-testid="project-total">(\d+)<', listed)
            assert shown and shown.group(1) == count, (name, href)


def test_downloads_carry_the_users_scope(world, client, login):
    login("finance1_150202")
    response = client.get("/reports/fixed/regional.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    assert "项目地区：东河区" in text and ",汇总,2,9000.0000,100.0000,1," in text
    pdf = client.get("/reports/fixed/category.pdf")
    assert pdf.mimetype == "application/pdf" and "城市更新" in pdf_text(pdf.get_data())
    xlsx = client.get("/reports/fixed/funding.xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    response = client.get("/reports/fixed/regional.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cli_writes_every_project_as_csv_to_stdout(world, app):
    result = app.test_cli_runner().invoke(args=["zlw", "report", "regional", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert [tuple(r) for r in rows[3:16]] == [
        tuple(c.replace(",", "") if i in (3, 4) else c for i, c in enumerate(row)) for row in REGIONAL_ROWS
    ]


def test_cli_writes_excel_and_pdf_files(world, app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "regional.pdf"
    result = runner.invoke(args=["zlw", "report", "regional", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "汇总" in pdf_text(out.read_bytes()) and "市本级" in pdf_text(out.read_bytes())
    xlsx = tmp_path / "funding.xlsx"
    result = runner.invoke(args=["zlw", "report", "funding", "--format", "xlsx", "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    assert load_workbook(xlsx).active["B5"].value == "中央转移支付"
    assert "widest scope" in runner.invoke(args=["zlw", "report", "--help"]).output
