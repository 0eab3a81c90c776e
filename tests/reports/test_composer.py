"""Self-composed reports: every dimension and measure of the catalog, subtotals, order, scope, hostile names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.reports.composer_support import build_world, user
from zerolegwork.db import utcnow
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.projects.models import Project
from zerolegwork.reports.composer import services as composer
from zerolegwork.reports.composer.services import DIMENSIONS, MEASURES, Definition, build

D = Decimal
EVERY_MEASURE = list(MEASURES)
PROJECT_MEASURES = [m for m in EVERY_MEASURE if m != "funding_amount"]


@pytest.fixture
def world(app, people) -> dict[str, Any]:
    return build_world(people)


def table_of(username: str, dims: list[str], measures: list[str], **filters: str) -> composer.ReportTable:
    return build(user(username), {"dims": dims, "measures": measures, "filters": filters})


def by_cells(table: composer.ReportTable) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(table.cells(r)): dict(zip(table.definition.measures, r.values, strict=True)) for r in table.rows}


def assert_subtotals_add_up(table: composer.ReportTable) -> None:
    """Every subtotal (and the total) equals the sum of the rows one level below it, for additive measures."""
    additive = [i for i, m in enumerate(table.measures) if m.kind in ("count", "money")]
    rows = table.rows
    for index, row in enumerate(rows):
        if row.kind == "row":
            continue
        children = []
        for other in rows[index + 1 :]:
            if other.depth <= row.depth:
                break
            if other.depth == row.depth + 1:
                children.append(other)
        assert children, row
        for i in additive:
            assert row.values[i] == sum((c.values[i] for c in children), type(row.values[i])(0)), (row, i)


def test_the_totals_of_every_measure_are_the_hand_worked_numbers(world):
    first = table_of("finance1", ["region"], PROJECT_MEASURES[:12])
    total = by_cells(first)[("合计",)]
    assert total == {
        "project_count": 5,
        "planned_investment": D("60050.7500"),
        "cumulative_investment": D("22330.4000"),
        "completion_pct": 37,
        "funds_disbursed": D("11500.0000"),
        "contract_amount": D("11500.5000"),
        "procurement_budget": D("5000.0000"),
        "procurement_award": D("4750.2500"),
        "procurement_savings": D("249.7500"),
        "acceptance_passed": 1,
        "acceptance_failed": 1,
        "evaluation_avg_score": D("81.25"),
    }
    second = by_cells(table_of("finance1", ["region"], ["evaluation_excellent", "funding_amount"]))
    assert second[("合计",)] == {"evaluation_excellent": 1, "funding_amount": D("50400.5000")}


def test_rows_follow_the_region_order_of_the_statistics_table(world):
    table = table_of("finance1", ["region"], ["project_count", "planned_investment", "completion_pct"])
    assert [table.cells(r)[0] for r in table.rows] == ["合计", "市本级", "东河区", "青山区", "昆区"]
    rows = by_cells(table)
    assert rows[("东河区",)] == {"project_count": 2, "planned_investment": D("9650.2500"), "completion_pct": 90}
    assert rows[("昆区",)]["completion_pct"] == 23  # 3000 / 12800 = 23.44
    assert rows[("青山区",)]["completion_pct"] == 30  # 10680.15 / 35600.5 = 30.0
    assert rows[("市本级",)]["completion_pct"] == 0


def test_completion_is_rounded_half_up_from_the_groups_sums_not_averaged(world, people):
    # 东河区: (8650.25 + 0) / (8650.25 + 1000) = 89.64% -> 90; the average of 100% and 0% would be 50
    table = table_of("finance1", ["region"], ["completion_pct"], region_id=str(world["projects"]["P3"].region_id))
    assert by_cells(table)[("东河区",)]["completion_pct"] == 90
    # exactly half: 1 / 8 = 12.5% rounds up to 13
    unit = world["other_unit"]
    projects.create_project(None, "半数测试", unit.id, "固阳县", "其他", D("8"), cumulative_investment=D("1"))
    db.session.commit()
    rows = by_cells(table_of("finance1", ["region"], ["completion_pct"]))
    assert rows[("固阳县",)]["completion_pct"] == 13


def test_latest_records_count_once_per_project(world):
    rows = by_cells(
        table_of(
            "finance1",
            ["category"],
            [
                "funds_disbursed",
                "acceptance_passed",
                "acceptance_failed",
                "evaluation_avg_score",
                "evaluation_excellent",
            ],
        )
    )
    # P1: the 2026-05 report (2500, not 800 + 2500); the passed acceptance after the failed one; 92.5 优 after 80 良
    assert rows[("市政道路",)] == {
        "funds_disbursed": D("2500.0000"),
        "acceptance_passed": 1,
        "acceptance_failed": 0,
        "evaluation_avg_score": D("92.50"),
        "evaluation_excellent": 1,
    }
    assert rows[("生态环保",)]["acceptance_failed"] == 1
    assert rows[("城市更新",)]["funds_disbursed"] == D("0.0000")  # a blank disbursement is nothing
    assert rows[("其他",)]["evaluation_avg_score"] is None  # nothing evaluated: no average, not zero


def test_child_tables_do_not_multiply_each_other(world):
    # P1 has two contracts, two procurements, two progress reports, two acceptances and two evaluations
    rows = by_cells(
        table_of(
            "finance1",
            ["category"],
            [
                "project_count",
                "contract_amount",
                "procurement_budget",
                "procurement_award",
                "procurement_savings",
                "planned_investment",
            ],
        )
    )
    assert rows[("市政道路",)] == {
        "project_count": 1,
        "contract_amount": D("3500.5000"),
        "procurement_budget": D("5000.0000"),
        "procurement_award": D("4750.2500"),
        "procurement_savings": D("249.7500"),
        "planned_investment": D("12800.0000"),
    }


@pytest.mark.parametrize("dimension", [d for d in DIMENSIONS if d != "funding_source"])
def test_every_dimension_groups_every_project_once(world, dimension):
    table = table_of("finance1", [dimension], PROJECT_MEASURES[:12])
    total = dict(zip(table.definition.measures, table.rows[0].values, strict=True))
    assert total["project_count"] == 5
    assert total["planned_investment"] == D("60050.7500")
    assert total["completion_pct"] == 37
    assert_subtotals_add_up(table)


EXPECTED_GROUPS = {
    "region": ["市本级", "东河区", "青山区", "昆区"],
    "level": ["市本级", "旗县区"],
    "category": ["市政道路", "城市更新", "信息化", "生态环保", "其他"],
    "competent_department": ["包头市生态环境局", "包头市住房和城乡建设局", "包头市发展和改革委员会", "（未填）"],
    "construction_mode": ["新建", "改建", "扩建", "（未填）"],
    "investment_mode": ["直接投资", "投资补助", "（未填）"],
    "investment_policy": ["中央预算内投资", "地方政府专项债券", "一般公共预算", "（未填）"],
    "industry_type": ["交通运输", "市政公用", "生态环保", "信息化", "（未填）"],
    "management_status": ["储备", "前期", "在建"],
    "state": ["草稿"],
    "stage": ["（未填）"],
    "start_year": ["2025", "2026", "（未填）"],
}


@pytest.mark.parametrize("dimension", sorted(EXPECTED_GROUPS))
def test_every_dimension_lists_its_values_in_natural_order_with_unfilled_last(world, dimension):
    table = table_of("finance1", [dimension], ["project_count"])
    labels = [table.cells(r)[0] for r in table.rows[1:]]
    expected = EXPECTED_GROUPS[dimension]
    if dimension == "competent_department":
        # departments in region order, then by code; only the order of the known ones is pinned here
        assert sorted(labels[:-1]) == sorted(expected[:-1]) and labels[-1] == "（未填）"
    else:
        assert labels == expected


def test_start_year_counts_by_year(world):
    rows = by_cells(table_of("finance1", ["start_year"], ["project_count", "planned_investment"]))
    assert rows[("2025",)] == {"project_count": 2, "planned_investment": D("10650.2500")}
    assert rows[("2026",)] == {"project_count": 2, "planned_investment": D("48400.5000")}
    assert rows[("（未填）",)] == {"project_count": 1, "planned_investment": D("1000.0000")}


def test_funding_source_lines_add_up_to_the_current_plans(world):
    table = table_of("finance1", ["funding_source"], ["project_count", "planned_investment", "funding_amount"])
    assert [table.cells(r)[0] for r in table.rows] == [
        "合计",
        "中央转移支付",
        "市级资金",
        "区级资金",
        "债券资金",
        "（未填）",
    ]
    rows = by_cells(table)
    # P1's current plan is v2 (central 6000, city 4000, bonds 2800); v1 counts for nothing
    assert rows[("中央转移支付",)] == {
        "project_count": 2,
        "planned_investment": D("8000.0000"),
        "funding_amount": D("8000.0000"),
    }
    assert rows[("市级资金",)] == {
        "project_count": 1,
        "planned_investment": D("4000.0000"),
        "funding_amount": D("4000.0000"),
    }
    assert rows[("区级资金",)] == {
        "project_count": 1,
        "planned_investment": D("5600.5000"),
        "funding_amount": D("5600.5000"),
    }
    assert rows[("债券资金",)] == {
        "project_count": 2,
        "planned_investment": D("32800.0000"),
        "funding_amount": D("32800.0000"),
    }
    # projects without a plan: one line each, their planned investment, no funding amount
    assert rows[("（未填）",)] == {
        "project_count": 2,
        "planned_investment": D("9650.2500"),
        "funding_amount": D("0.0000"),
    }
    # the total counts funding lines (8 lines of 5 projects); the money is each project's once
    assert rows[("合计",)] == {
        "project_count": 8,
        "planned_investment": D("60050.7500"),
        "funding_amount": D("50400.5000"),
    }
    assert table.header()[1] == "项目数量（按资金来源计）"
    assert_subtotals_add_up(table)


def test_project_level_measures_are_refused_next_to_funding_source(app):
    for measure in [m for m in EVERY_MEASURE if not MEASURES[m].by_source]:
        with pytest.raises(composer.MeasureNotBySourceError) as caught:
            Definition.parse({"dims": ["region", "funding_source"], "measures": ["project_count", measure]})
        assert "资金来源" in caught.value.message()


def test_three_dimensions_have_subtotals_at_each_level_and_a_grand_total(world):
    table = table_of(
        "finance1",
        ["level", "region", "funding_source"],
        ["project_count", "planned_investment", "funding_amount"],
    )
    cells = [table.cells(r) for r in table.rows]
    assert cells[:6] == [
        ["合计", "", ""],
        ["市本级", "小计", ""],
        ["市本级", "市本级", "小计"],
        ["市本级", "市本级", "中央转移支付"],
        ["旗县区", "小计", ""],
        ["旗县区", "东河区", "小计"],
    ]
    rows = by_cells(table)
    assert rows[("旗县区", "昆区", "小计")] == {
        "project_count": 3,
        "planned_investment": D("12800.0000"),
        "funding_amount": D("12800.0000"),
    }
    assert rows[("旗县区", "昆区", "债券资金")]["funding_amount"] == D("2800.0000")
    assert rows[("旗县区", "小计", "")]["planned_investment"] == D("58050.7500")
    assert_subtotals_add_up(table)
    kinds = [r.kind for r in table.rows]
    assert kinds.count("total") == 1 and kinds.count("subtotal") == 2 + 4


def test_three_dimensions_of_project_measures_add_up(world):
    table = table_of("finance1", ["level", "category", "start_year"], PROJECT_MEASURES[:12])
    assert table.rows[0].values[0] == 5
    assert_subtotals_add_up(table)


def test_filters_of_the_project_library_apply(world):
    rows = by_cells(table_of("finance1", ["region"], ["project_count"], category="市政道路"))
    assert rows == {("合计",): {"project_count": 1}, ("昆区",): {"project_count": 1}}
    rows = by_cells(table_of("finance1", ["level"], ["project_count"], q="智慧"))
    assert rows[("合计",)] == {"project_count": 1}
    # a value outside the vocabulary is dropped, as on the project list
    definition = Definition.from_args({"dim": ["region"], "m": ["project_count"], "category": "不存在的类别"})
    assert definition.filters == ()


def test_a_district_department_sees_only_its_district(world):
    rows = by_cells(table_of("finance1_150202", ["region"], ["project_count", "planned_investment"]))
    assert rows == {
        ("合计",): {"project_count": 2, "planned_investment": D("9650.2500")},
        ("东河区",): {"project_count": 2, "planned_investment": D("9650.2500")},
    }


def test_a_unit_sees_only_its_own_projects_and_an_agency_nothing(world):
    rows = by_cells(table_of("unit1", ["region"], ["project_count"]))
    assert rows[("合计",)] == {"project_count": 3}
    assert ("市本级",) not in rows
    from zerolegwork.demo import DEMO_PASSWORD
    from zerolegwork.orgs import services as orgs
    from zerolegwork.orgs.models import OrgKind

    agency = orgs.create_org("composer_agency", "某咨询公司", OrgKind.AGENCY, orgs.ensure_regions()["市本级"])
    orgs.create_user("composer_agency1", "咨询公司经办人", DEMO_PASSWORD, agency)
    db.session.commit()
    table = table_of("composer_agency1", ["region"], ["project_count", "completion_pct"])
    assert table.empty and table.rows[0].values == [0, None]


def test_as_of_counts_only_what_existed_then(world):
    moment = world["moments"]["before_v2"]
    table = build(
        user("finance1"),
        {"dims": ["funding_source"], "measures": ["project_count", "funding_amount"]},
        moment,
    )
    rows = by_cells(table)
    # then only P1's plan v1 existed; P4 and P5 were already registered (and the demo projects)
    assert rows[("中央转移支付",)] == {"project_count": 1, "funding_amount": D("5000.0000")}
    assert rows[("市级资金",)] == {"project_count": 1, "funding_amount": D("7800.0000")}
    assert rows[("（未填）",)]["project_count"] == 4
    before = build(user("finance1"), {"dims": ["region"], "measures": ["acceptance_failed", "contract_amount"]}, moment)
    assert by_cells(before)[("合计",)] == {"acceptance_failed": 1, "contract_amount": D("0.0000")}


HOSTILE = [
    "region; DROP TABLE project",
    "__class__",
    "1=1",
    "region OR 1=1",
    "Region",
    " region",
    "project.id",
    "sum(project.planned_investment)",
    "",
    "region\x00",
    "区域",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_dimension_name_is_refused(app, name):
    with pytest.raises(composer.UnknownDimensionError) as caught:
        Definition.parse({"dims": [name], "measures": ["project_count"]})
    assert "未知" in caught.value.message() or "Unknown" in caught.value.message()


@pytest.mark.parametrize("name", [*HOSTILE, "project_count; DELETE FROM project", "__init__", "count(*)"])
def test_a_hostile_measure_name_is_refused(app, name):
    with pytest.raises(composer.UnknownMeasureError):
        Definition.parse({"dims": ["region"], "measures": [name]})


@pytest.mark.parametrize(
    "raw",
    [
        {"dims": "region", "measures": ["project_count"]},
        {"dims": [["region"]], "measures": ["project_count"]},
        {"dims": [{"__class__": 1}], "measures": ["project_count"]},
        {"dims": ["region"], "measures": 7},
        {"dims": ["region"], "measures": ["project_count"], "filters": "1=1"},
        "region",
        None,
    ],
)
def test_a_malformed_definition_is_refused(app, raw):
    with pytest.raises(composer.ReportDefinitionError):
        Definition.parse(raw)


def test_duplicates_and_limits_are_refused(app):
    with pytest.raises(composer.DuplicateChoiceError):
        Definition.parse({"dims": ["region", "region"], "measures": ["project_count"]})
    with pytest.raises(composer.DuplicateChoiceError):
        Definition.parse({"dims": ["region"], "measures": ["project_count", "project_count"]})
    with pytest.raises(composer.TooManyDimensionsError) as caught:
        Definition.parse({"dims": ["region", "level", "category", "state"], "measures": ["project_count"]})
    assert "3" in caught.value.message()
    with pytest.raises(composer.TooManyMeasuresError):
        Definition.parse({"dims": ["region"], "measures": PROJECT_MEASURES})
    with pytest.raises(composer.NoDimensionError):
        Definition.parse({"dims": [], "measures": ["project_count"]})
    with pytest.raises(composer.NoMeasureError):
        Definition.parse({"dims": ["region"], "measures": []})


def test_the_errors_speak_chinese(app):
    with app.test_request_context():
        with pytest.raises(composer.ReportDefinitionError) as caught:
            Definition.parse({"dims": ["region; DROP TABLE project"], "measures": ["project_count"]})
        assert caught.value.message() == "未知的行标题（维度）：region; DROP TABLE project"


def test_filter_values_reach_the_database_as_bound_parameters(world):
    hostile = "x' OR '1'='1"
    definition = Definition.from_args({"dim": ["region"], "m": ["project_count"], "q": hostile})
    statement = composer.statement(user("finance1"), definition, utcnow())
    compiled = statement.compile(dialect=db.engine.dialect)
    assert hostile not in str(compiled)
    assert any(hostile in str(value) for value in compiled.params.values())
    assert build(user("finance1"), definition).rows[0].values == [0]
    assert db.session.scalar(select(func.count()).select_from(Project)) == 5


def test_the_catalog_is_declared_in_code_with_snake_case_ids_and_both_labels(app):
    import re

    assert len(DIMENSIONS) >= 13 and len(MEASURES) >= 14
    for item in [*DIMENSIONS.values(), *MEASURES.values()]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", item.id)
        assert item.zh and item.en


def count_statements(fn: Any) -> int:
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_projects(world):
    definition = {"dims": ["region", "competent_department", "category"], "measures": PROJECT_MEASURES[:12]}
    finance = user("finance1")
    build(finance, definition)  # loads the user's organisation and region once
    few = count_statements(lambda: build(finance, definition))
    unit = world["other_unit"]
    for i in range(30):
        projects.create_project(None, f"批量项目{i}", unit.id, ["市本级", "昆区", "达茂旗"][i % 3], "工业", D(i + 1))
    db.session.commit()
    build(finance, definition)
    many = count_statements(lambda: build(finance, definition))
    assert few == many <= 3  # the grouped body, the region names, the department names
