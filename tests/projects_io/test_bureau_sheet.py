"""Import as a bureau keeps its sheet: header variants, departments by short name or alias, unmatched values grouped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.projects_io.support import HEADERS, row, workbook
from zerolegwork.dictionaries import services as dictionaries
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation
from zerolegwork.projects import matching, transfer
from zerolegwork.projects.models import Project


def projects() -> int:
    return db.session.scalar(select(func.count()).select_from(Project)) or 0


def test_header_variants_read_as_the_columns(app, people):
    variants = {"主管部门": "主管单位", "计划投资（万元）": "计划总投资", "累计投资（万元）": "累计完成投资(万元)"}
    headers = [variants.get(h, h) for h in HEADERS]
    rows = [{variants.get(k, k): v for k, v in row(i).items()} for i in range(3)]
    report = transfer.import_projects(workbook(rows, headers))
    assert report.ok, (report.errors, report.unmatched)
    assert report.imported == 3


@pytest.mark.parametrize("name", ["包头市住房和城乡建设局", "住房和城乡建设局", "住建局", "包头市住建局"])
def test_a_department_is_found_by_name_short_name_or_alias(app, people, name):
    report = transfer.import_projects(workbook([row(1, 主管部门=name)]))
    assert report.ok, (report.errors, report.unmatched)
    housing = db.session.scalars(select(Organisation.id).where(Organisation.code == "housing")).one()
    assert (
        db.session.scalars(select(Project.competent_department_id).where(Project.name == "昆区道路改造工程1")).one()
        == housing
    )


def test_another_districts_department_is_not_taken_for_the_projects_own(app, people):
    report = transfer.import_projects(workbook([row(1, 主管部门="东河区财政局")]))
    assert report.unmatched == {"主管部门": {"东河区财政局": 1}}


def test_unknown_words_are_grouped_once_with_their_row_counts_and_nothing_is_imported(app, people):
    rows = [row(i, 项目类别="交通运输" if i % 3 else "教育", 建设方式="拆除" if i == 4 else None) for i in range(9)]
    before = projects()
    report = transfer.import_projects(workbook(rows))
    assert not report.ok and not report.errors
    assert report.unmatched == {"项目类别": {"教育": 3, "交通运输": 6}, "建设方式": {"拆除": 1}}
    assert projects() == before


def test_mapping_and_adding_missing_values_imports_all_rows(app, people):
    rows = [row(i, 项目类别="交通运输" if i % 3 else "教育", 主管部门="城建局") for i in range(9)]
    choices = matching.parse_choices(["项目类别=交通运输:市政道路", "主管单位=城建局:住房和城乡建设局"], ["项目类别"])
    report = transfer.import_projects(workbook(rows), choices=choices)
    assert report.ok, (report.errors, report.unmatched)
    assert report.imported == 9 and report.added == [("项目类别", "教育")]
    assert "教育" in dictionaries.names("category")
    categories = dict(db.session.execute(select(Project.category, func.count()).group_by(Project.category)).all())
    assert categories["教育"] == 3 and categories["市政道路"] >= 6


def test_bad_mapping_options_are_refused_in_words(app):
    with pytest.raises(matching.MappingError, match="列名"):
        matching.parse_choices(["项目类别=交通运输"], [])
    with pytest.raises(matching.MappingError, match="项目名称"):
        matching.parse_choices(["项目名称=a:b"], [])
    with pytest.raises(matching.MappingError):
        matching.parse_choices([], ["主管部门"])
