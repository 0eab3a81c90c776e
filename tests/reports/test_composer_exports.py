"""Composed-report exports: definition, as-of time and checksum carried; re-running reproduces the checksum."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.reports.composer_support import build_world, progress, user, write
from zerolegwork.db import utcnow
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.reports.composer import services as composer
from zerolegwork.reports.composer.services import Definition, build

DEFINITION = {
    "dims": ["region", "category"],
    "measures": ["project_count", "planned_investment", "cumulative_investment", "completion_pct", "contract_amount"],
    "filters": {"level": "district"},
}


@pytest.fixture
def world(app, people) -> dict[str, Any]:
    return build_world(people)


def test_two_builds_on_the_same_data_give_the_same_checksum(world):
    as_of = utcnow()
    first = build(user("finance1"), DEFINITION, as_of)
    second = build(user("finance1"), Definition.parse(DEFINITION), as_of)
    assert first.checksum == second.checksum
    assert len(first.checksum) == 64


def test_a_changed_record_changes_the_checksum(world):
    before = build(user("finance1"), DEFINITION).checksum
    write("contract", world["projects"]["P2"], user("unit1"), amount="0.0001")
    db.session.commit()
    assert build(user("finance1"), DEFINITION).checksum != before


def test_the_same_as_of_reproduces_the_numbers_after_new_records_arrive(world):
    as_of = utcnow()
    then = build(user("finance1"), DEFINITION, as_of)
    write("contract", world["projects"]["P1"], user("unit1"), amount="999")
    projects.create_project(None, "后来登记的项目", world["other_unit"].id, "昆区", "市政道路", Decimal("5"))
    db.session.commit()
    again = build(user("finance1"), DEFINITION, as_of)
    assert again.checksum == then.checksum
    assert build(user("finance1"), DEFINITION).checksum != then.checksum


def test_an_edit_of_a_project_column_is_not_versioned_and_shows_in_the_checksum(world):
    # documented limit: project columns are current values; the checksum reveals the difference
    as_of = utcnow()
    then = build(user("finance1"), DEFINITION, as_of)
    progress(world["projects"]["P2"], user("unit1"), "2026-06", "20000", "15000")
    db.session.commit()
    assert build(user("finance1"), DEFINITION, as_of).checksum != then.checksum


def test_the_checksum_covers_the_definition_and_the_as_of_time(world):
    as_of = utcnow()
    base = build(user("finance1"), DEFINITION, as_of)
    other_filters = build(user("finance1"), {**DEFINITION, "filters": {}}, as_of)
    later = build(user("finance1"), DEFINITION, utcnow())
    assert base.rows == later.rows  # same numbers
    assert len({base.checksum, other_filters.checksum, later.checksum}) == 3


def test_the_csv_carries_definition_as_of_and_checksum_and_opens_in_excel(world):
    table = build(user("finance1"), DEFINITION)
    data = composer.to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    meta = {line[0]: line[1] for line in lines if line and line[0].startswith("#")}
    assert meta["#数据时点（UTC）"] == table.as_of_text
    assert meta["#数据时点（北京时间）"] == table.as_of_local
    assert meta["#校验码（sha256）"] == table.checksum
    assert "region" in meta["#行标题"] and "地区" in meta["#行标题"]
    assert "completion_pct" in meta["#列标题"]
    assert "level=district" in meta["#筛选条件"]
    assert "校验码" in meta["#复现说明"]
    header_at = lines.index([])
    assert lines[header_at + 1] == [
        "地区",
        "项目类别",
        "项目数量",
        "计划投资（万元）",
        "累计投资（万元）",
        "完成进度%",
        "合同金额（万元）",
    ]
    assert lines[header_at + 2] == ["合计", "", "4", "58050.7500", "22330.4000", "38", "11500.5000"]


def test_the_workbook_carries_the_same_and_marks_subtotals_bold(world):
    table = build(user("finance1"), DEFINITION)
    book = load_workbook(io.BytesIO(composer.to_xlsx(table)))
    info = {row[0]: row[1] for row in book["定义"].iter_rows(values_only=True)}
    assert info["校验码（sha256）"] == table.checksum
    assert info["数据时点（UTC）"] == table.as_of_text
    assert Definition.parse(__import__("json").loads(info["定义"])) == table.definition
    sheet = book["报表"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(tuple(table.header()))
    assert rows[header + 1][:3] == ("合计", None, 4)
    subtotal = next(r for r in sheet.iter_rows(min_row=header + 2) if r[1].value == "小计")
    assert subtotal[0].font.bold and subtotal[3].number_format == "#,##0.0000"


def test_verify_export_reproduces_csv_and_xlsx_and_spots_a_change(world):
    finance = user("finance1")
    table = build(finance, DEFINITION)
    for data in (composer.to_csv(table), composer.to_xlsx(table)):
        result = composer.verify_export(finance, data)
        assert result.ok and result.carried == table.checksum
    write("contract", world["projects"]["P1"], user("unit1"), amount="1")
    db.session.commit()
    assert composer.verify_export(finance, composer.to_csv(table)).ok  # a record after as_of: still the same
    progress(world["projects"]["P1"], user("unit1"), "2026-07", "4000", "3000")
    db.session.commit()
    assert not composer.verify_export(finance, composer.to_csv(table)).ok  # 累计投资 of the project moved
    tampered = composer.to_csv(table).replace(b"58050.7500", b"58050.7501")
    assert composer.verify_export(finance, tampered).carried == table.checksum  # numbers are re-computed, not read


def test_a_foreign_file_is_not_an_export(app):
    with pytest.raises(composer.ExportUnreadableError):
        composer.read_export(b"\xef\xbb\xbfa,b\r\n1,2\r\n")
    with pytest.raises(composer.ExportUnreadableError):
        composer.read_export(b"PK\x03\x04not a zip")


def test_a_label_that_looks_like_a_formula_is_written_as_text(world):
    unit = world["other_unit"]
    from zerolegwork.orgs import services as orgs
    from zerolegwork.orgs.models import OrgKind

    dept = orgs.create_org("formula_dept", "=HYPERLINK(1)", OrgKind.DEPARTMENT, orgs.ensure_regions()["昆区"])
    projects.create_project(None, "公式项目", unit.id, "昆区", "工业", Decimal("1"), competent_department_id=dept.id)
    db.session.commit()
    table = build(user("finance1"), {"dims": ["competent_department"], "measures": ["project_count"]})
    assert "'=HYPERLINK(1)" in composer.to_csv(table).decode("utf-8-sig")


def test_parse_as_of_reads_a_day_as_its_end_in_beijing_and_never_the_future(app):
    from datetime import UTC, datetime

    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert composer.parse_as_of("2026-03-31", now) == datetime(2026, 3, 31, 15, 59, 59, 999999, tzinfo=UTC)
    assert composer.parse_as_of("", now) == now
    assert composer.parse_as_of("2030-01-01", now) == now
    assert composer.parse_as_of("2026-03-31T10:00:00+00:00", now) == datetime(2026, 3, 31, 10, tzinfo=UTC)
    with pytest.raises(composer.AsOfError):
        composer.parse_as_of("yesterday'; --", now)


def test_the_report_builds_on_postgresql_with_the_same_numbers(pg_app, people):
    world = build_world(people)
    assert world
    table = build(
        user("finance1"),
        {"dims": ["region", "funding_source"], "measures": ["project_count", "planned_investment", "funding_amount"]},
    )
    assert table.rows[0].values == [8, Decimal("60050.7500"), Decimal("50400.5000")]
    everything = build(
        user("finance1"),
        {
            "dims": ["level", "category", "start_year"],
            "measures": [m for m in composer.MEASURES if m != "funding_amount"][:12],
        },
    )
    assert everything.rows[0].values[:4] == [5, Decimal("60050.7500"), Decimal("22330.4000"), 37]
    assert everything.rows[0].values[11] == Decimal("81.25")
    assert composer.verify_export(user("finance1"), composer.to_xlsx(everything)).ok
