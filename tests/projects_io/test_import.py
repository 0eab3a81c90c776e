"""Opening the project library from a workbook: every row checked, nothing or everything written."""

from __future__ import annotations

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select, text

from tests.projects_io.support import CITY_HOUSING, HEADERS, many, row, workbook
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, OrgKind, OrgState
from zerolegwork.projects import codes, sheet, transfer, workbooks
from zerolegwork.projects.models import Project
from zerolegwork.projects.services import create_project
from zerolegwork.projects.sheet import RowProblem


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def by_name(name: str) -> Project:
    return db.session.scalars(select(Project).where(Project.name == name)).one()


def only_error(data: bytes) -> RowProblem:
    report = transfer.import_projects(data)
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


def test_a_clean_2000_row_file_imports_in_one_transaction(app, people):
    before = count(Project)
    data = workbook(many(2000))
    commits = []

    def committed(conn):  # type: ignore[no-untyped-def]
        commits.append(conn)

    event.listen(db.engine, "commit", committed)
    try:
        report = transfer.import_projects(data)
        assert commits == []  # the service flushes; the caller commits
        db.session.commit()
    finally:
        event.remove(db.engine, "commit", committed)
    assert report.ok and report.imported == 2000 and report.rows == 2000
    assert len(commits) == 1
    assert count(Project) == before + 2000
    assert len(report.units_created) == 40 and report.codes_allocated == 2000
    project = by_name("昆区道路改造工程7")
    assert project.planned_investment == Decimal("1207.5000") and project.cumulative_investment == Decimal("300")
    assert project.level == "district" and project.region.name == "昆区" and project.state == "draft"
    assert (project.start_year, project.end_year) == (2026, 2028)
    assert project.competent_department.name == CITY_HOUSING
    assert project.management_status == "储备" and project.category == "市政道路"
    assert codes.is_valid(project.code) and project.code.startswith("2026-150203-99-01-")
    (audit,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.import")).all()
    assert audit.detail["sha256"] == hashlib.sha256(data).hexdigest()
    assert audit.detail["imported"] == 2000 and audit.detail["units_created"] == 40


def test_one_bad_row_in_the_middle_imports_nothing_and_names_its_row_and_column(app, people):
    rows = many(2000)
    rows[999] = row(999, **{"计划投资（万元）": "一千万"})  # the 1000th data row is Excel row 1001
    projects, orgs = count(Project), count(Organisation)
    report = transfer.import_projects(workbook(rows))
    assert [(p.row, p.column) for p in report.errors] == [(1001, "计划投资（万元）")]
    assert report.imported == 0
    db.session.commit()
    assert count(Project) == projects and count(Organisation) == orgs  # no unit was created either
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "project.import")) == 0


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("项目名称", "", "必填"),
        ("项目名称", "长" * 201, "200"),
        ("项目单位", None, "必填"),
        ("项目单位", "包头市财政局", "不是项目单位"),
        ("项目级次", "省级", "市本级、旗县区"),
        ("项目级次", "省本级", "市本级、旗县区"),  # a city installation has no 省本级
        ("项目地区", "火星区", "东河区"),
        ("计划投资（万元）", None, "必填"),
        ("计划投资（万元）", "abc", "金额"),
        ("计划投资（万元）", -1, "0"),
        ("计划投资（万元）", 0, "大于零"),
        ("计划投资（万元）", "100000000000.0001", "0"),
        ("计划投资（万元）", "1.00001", "四位小数"),
        ("计划投资（万元）", "NaN", "0"),
        ("累计投资（万元）", "三百", "金额"),
        ("建设年限", "", "必填"),
        ("建设年限", "明年", "2026-2028"),
        ("建设年限", "2028-2026", "早于"),
        ("建设年限", "1850", "1990"),
        ("项目代码", "2026-150203-48-01-00001", "项目代码"),
    ],
)
def test_each_column_refuses_its_bad_values(app, people, column, value, says):
    problem = only_error(workbook([row(1), row(2, **{column: value}), row(3)]))
    assert problem.row == 3
    assert problem.column == ("项目级次" if says == "不符" else column)
    assert says in problem.message, problem.message
    assert str(problem).startswith(f"第3行 {problem.column}: ")


def test_every_bad_cell_of_every_row_is_reported(app, people):
    bad = row(1, **{"项目类别": "火箭", "建设年限": "x", "计划投资（万元）": -5})
    report = transfer.import_projects(workbook([row(0), bad, row(2), row(3, **{"项目地区": "火星"})]))
    assert report.unmatched == {"项目类别": {"火箭": 1}}
    assert [(p.row, p.column) for p in report.errors] == [
        (3, "计划投资（万元）"),
        (3, "建设年限"),
        (5, "项目地区"),
    ]


def test_headers_match_across_full_and_half_width_brackets_and_spaces(app, people):
    headers = [
        " 项目名称",
        "项目 单位",
        "项目级次",
        "项目地区",
        "项目类别",
        "主管部门",
        "计划投资(万元)",
        "累计投资 （万元） ",
        "建设年限",
    ]
    values = list(row(5).values())
    report = transfer.import_projects(workbook([dict(zip(headers, values, strict=True))], headers=headers))
    assert report.ok, report.errors
    assert report.imported == 1


def test_a_missing_column_and_an_unknown_one_are_named(app, people):
    headers = [h for h in HEADERS if h != "主管部门"] + ["备注"]
    report = transfer.import_projects(workbook([row(1)], headers=headers))
    assert [(p.row, p.column) for p in report.errors] == [(1, "主管部门")]
    assert [(p.row, p.column) for p in report.warnings] == [(1, "备注")]


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        ("2026-2028", (2026, 2028)),
        ("2026年-2028年", (2026, 2028)),
        ("2026年", (2026, 2026)),
        (2027, (2027, 2027)),
        ("２０２６～２０２７", (2026, 2027)),
        ("2026 至 2029", (2026, 2029)),
    ],
)
def test_construction_years_in_the_usual_forms(app, people, years, expected):
    assert transfer.import_projects(workbook([row(1, **{"建设年限": years})])).ok
    project = by_name("昆区道路改造工程1")
    assert (project.start_year, project.end_year) == expected


def test_amounts_are_exact_decimals_without_binary_noise(app, people):
    rows = [
        row(1, **{"计划投资（万元）": 0.1 + 0.2, "累计投资（万元）": None}),
        row(2, **{"计划投资（万元）": "1,234.5678", "累计投资（万元）": "0.0001"}),
        row(3, **{"计划投资（万元）": "99999999999.9999", "累计投资（万元）": 7}),  # 16 digits: beyond a float
    ]
    assert transfer.import_projects(workbook(rows)).ok
    assert by_name("昆区道路改造工程1").planned_investment == Decimal("0.3")
    assert by_name("昆区道路改造工程1").cumulative_investment == Decimal("0")
    assert by_name("昆区道路改造工程2").planned_investment == Decimal("1234.5678")
    assert by_name("昆区道路改造工程2").cumulative_investment == Decimal("0.0001")
    assert by_name("昆区道路改造工程3").planned_investment == Decimal("99999999999.9999")


def test_cumulative_above_planned_is_imported_with_a_warning(app, people):
    report = transfer.import_projects(workbook([row(1, **{"计划投资（万元）": 100, "累计投资（万元）": 120})]))
    assert report.ok and report.imported == 1
    assert [(p.row, p.column) for p in report.warnings] == [(2, "累计投资（万元）")]


def test_city_level_projects_and_district_departments(app, people):
    rows = [
        row(1, **{"项目级次": "市本级", "项目地区": "市本级"}),
        row(2, **{"主管部门": "昆区财政局"}),  # the project's own district
    ]
    assert transfer.import_projects(workbook(rows)).ok
    city = by_name("昆区道路改造工程1")
    assert city.level == "city" and city.region.name == "市本级"
    assert by_name("昆区道路改造工程2").competent_department.code == "150203_finance"


def test_an_unknown_unit_is_created_unregistered_and_a_known_one_is_matched(app, people):
    rows = [
        row(1, **{"项目单位": "包头市新建设公司"}),
        row(2, **{"项目单位": " 包头市新建设公司 ", "项目地区": "东河区"}),
        row(3, **{"项目单位": "包头市城市建设投资有限公司"}),
    ]
    report = transfer.import_projects(workbook(rows))
    assert report.units_created == ["包头市新建设公司"]
    (unit,) = db.session.scalars(select(Organisation).where(Organisation.name == "包头市新建设公司")).all()
    assert unit.kind == OrgKind.UNIT and unit.state == OrgState.UNREGISTERED
    assert unit.region.name == "昆区" and unit.code.startswith("unreg-")
    assert by_name("昆区道路改造工程1").unit_id == by_name("昆区道路改造工程2").unit_id == unit.id
    assert by_name("昆区道路改造工程3").unit.code == "demo_unit"


def test_given_codes_are_kept_and_later_codes_never_collide(app, people):
    given = codes.compose(2026, "150203", "48", "01", 42)
    rows = [row(1, **{"项目代码": given}), row(2, **{"项目代码": ""})]
    report = transfer.import_projects(workbook(rows))
    assert report.ok and report.codes_allocated == 1
    assert by_name("昆区道路改造工程1").code == given
    assert by_name("昆区道路改造工程2").code.startswith("2026-150203-99-01-00043")
    unit_id = people["users"]["unit1"].org_id
    later = create_project(None, "之后登记的项目", unit_id, "昆区", "市政道路", Decimal(1), start_year=2026)
    assert later.code.startswith("2026-150203-99-01-00044")


def test_a_code_twice_in_the_file_or_already_in_the_library_is_refused(app, people):
    taken = people["projects"][0].code
    fresh = codes.compose(2026, "150203", "48", "01", 7)
    rows = [row(1, **{"项目代码": fresh}), row(2, **{"项目代码": taken}), row(3, **{"项目代码": fresh})]
    report = transfer.import_projects(workbook(rows))
    assert [(p.row, p.column) for p in report.errors] == [(3, "项目代码"), (4, "项目代码")]
    assert "已在项目库中" in report.errors[0].message and "第2行" in report.errors[1].message


def test_importing_the_same_file_twice_is_refused(app, people):
    data = workbook(many(3))
    assert transfer.import_projects(data).ok
    db.session.commit()
    again = transfer.import_projects(data)
    assert [(p.row, p.column) for p in again.errors] == [(2, "项目名称"), (3, "项目名称"), (4, "项目名称")]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "空"),
        ("项目名称,项目单位\n甲,乙\n".encode(), "不是 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls"),
        (b"PK\x03\x04 not really a zip", "不是 Excel"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_clearly(app, people, data, says):
    problem = only_error(data)
    assert problem.row == 0 and says in problem.message, problem.message


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_zip_that_is_no_workbook_or_unpacks_to_a_bomb_is_refused(app, people):
    assert "不是 Excel" in only_error(_zip({"word/document.xml": b"<x/>"})).message
    bomb = _zip({"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < sheet.MAX_FILE_BYTES
    assert "解压" in only_error(bomb).message
    assert "10 MB" in only_error(b"PK\x03\x04" + b"\0" * sheet.MAX_FILE_BYTES).message


def test_too_many_rows_are_refused_with_the_limit(app, people, monkeypatch):
    monkeypatch.setattr(sheet, "MAX_ROWS", 5)  # the limit lives with the workbook reader
    problem = only_error(workbook(many(6)))
    assert problem.row == 0 and "5" in problem.message
    assert transfer.import_projects(workbook(many(5))).ok


def test_a_file_without_header_or_rows_is_refused(app, people):
    assert "项目名称" in only_error(workbook([{"甲": 1}], headers=["甲", "乙"])).message
    assert "没有" in only_error(workbook([])).message


def test_the_templates_example_row_is_skipped(app, people):
    book = load_workbook(io.BytesIO(workbooks.template()))
    sheet = book["项目"]
    headers = [c.value for c in sheet[1]]
    sheet.append([row(1).get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    report = transfer.import_projects(out.getvalue())
    assert report.ok, report.errors
    assert report.examples_skipped == 1 and report.imported == 1
    assert book["可选值"]["A1"].value == "项目级次" and book["可选值"]["A2"].value == "市本级"


def test_a_dry_run_checks_everything_and_writes_nothing(app, people):
    projects, orgs = count(Project), count(Organisation)
    report = transfer.import_projects(workbook(many(10)), dry_run=True)
    assert report.ok and report.rows == 10 and report.imported == 0 and len(report.units_created) == 10
    assert count(Project) == projects and count(Organisation) == orgs


def test_only_region_administrators_import_and_a_district_only_its_own(app, people):
    users = people["users"]
    with pytest.raises(transfer.ImportNotAllowedError):
        transfer.import_projects(workbook([row(1)]), users["unit1"])
    dongher = users["admin_150202"]  # 东河区
    report = transfer.import_projects(workbook([row(1), row(2, **{"项目地区": "东河区"})]), dongher)
    assert [(p.row, p.column) for p in report.errors] == [(2, "项目地区")]
    assert transfer.import_projects(workbook([row(2, **{"项目地区": "东河区"})]), dongher).ok
    assert transfer.import_projects(workbook([row(3)]), users["admin"]).ok  # the city's: every region
    actors = db.session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "project.import")).all()
    assert sorted(actors) == sorted([dongher.id, users["admin"].id])


def test_a_clean_2000_row_import_on_postgresql_is_one_transaction(pg_app, people):
    before = count(Project)
    report = transfer.import_projects(workbook(many(2000)))
    assert report.ok and report.imported == 2000
    with db.engine.connect() as other:  # another connection sees nothing until the one commit
        assert other.scalar(text("SELECT count(*) FROM project")) == before
        db.session.commit()
        assert other.scalar(text("SELECT count(*) FROM project")) == before + 2000
        assert other.scalar(text("SELECT count(*) FROM organisation WHERE state = 'unregistered'")) == 40
