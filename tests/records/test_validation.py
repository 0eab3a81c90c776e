"""Cross-field rules of every record kind: sums to the 0.0001, weights, dates, percentages, periods."""

from __future__ import annotations

import pytest

from tests.records.support import VALID, answers
from zerolegwork.records import services
from zerolegwork.records.errors import UnknownRecordKindError

pytestmark = pytest.mark.usefixtures("bare_app")


def test_the_kinds_are_the_nine_of_the_spec():
    kinds = set(services.KINDS)
    assert kinds == {
        "project_info",
        "procedure_document",
        "investment_plan",
        "procurement",
        "contract",
        "progress_report",
        "acceptance",
        "performance_goals",
        "performance_evaluation",
    }
    assert set(VALID) == kinds


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_answers_of_every_kind_have_no_errors(kind):
    assert services.validate(kind, VALID[kind]) == {}


def test_an_unknown_kind_is_a_clear_error():
    with pytest.raises(UnknownRecordKindError, match="budget_cut"):
        services.validate("budget_cut", {})


def test_cost_parts_off_by_a_ten_thousandth_are_refused_on_total():
    errors = services.validate("investment_plan", answers("investment_plan", contingency="50.0002"))
    assert set(errors) == {"total"}
    assert "1000.0001" in errors["total"] and "1000.0000" in errors["total"]
    assert "不一致" in errors["total"]


def test_funding_sources_off_by_a_ten_thousandth_are_refused_on_the_first_source():
    errors = services.validate("investment_plan", answers("investment_plan", fund_bonds="299.9998"))
    assert set(errors) == {"fund_central"}
    assert "999.9999" in errors["fund_central"]


def test_blank_parts_count_as_zero_so_a_plan_of_one_part_and_one_source_adds_up():
    plan = {"total": "10", "term_years": 1, "construction_cost": "10", "fund_self_raised": "10.0000"}
    assert services.validate("investment_plan", plan) == {}


def test_a_plan_with_no_parts_does_not_add_up_to_its_total():
    errors = services.validate("investment_plan", {"total": "10", "term_years": 1})
    assert set(errors) == {"total", "fund_central"}


def test_weights_that_miss_100_by_a_ten_thousandth_are_refused_on_the_table():
    rows = [dict(r) for r in VALID["performance_goals"]["indicators"]]
    rows[2]["weight"] = "26.6666"
    errors = services.validate("performance_goals", answers("performance_goals", indicators=rows))
    assert errors == {"indicators": "各指标权重合计为 99.9999，应为 100。"}


def test_an_indicator_cell_error_names_the_row_and_column():
    rows = [dict(r) for r in VALID["performance_goals"]["indicators"]]
    rows[1]["weight"] = "很多"
    rows[2]["name"] = ""
    errors = services.validate("performance_goals", answers("performance_goals", indicators=rows))
    assert set(errors) == {"indicators.1.weight", "indicators.2.name"}


def test_goals_without_indicators_are_refused():
    errors = services.validate("performance_goals", answers("performance_goals", indicators=[]))
    assert set(errors) == {"indicators"}


def test_a_contract_ending_before_it_starts_is_refused_on_end_on():
    errors = services.validate("contract", answers("contract", end_on="2026-06-09"))
    assert errors == {"end_on": "结束日期不能早于开始日期。"}


def test_a_contract_ending_the_day_it_starts_is_accepted():
    assert services.validate("contract", answers("contract", end_on="2026-06-10")) == {}


def test_an_end_year_before_the_start_year_is_refused():
    errors = services.validate("project_info", answers("project_info", start_year=2028, end_year=2026))
    assert set(errors) == {"end_year"}


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("progress_report", "time_progress", "100.0001"),
        ("progress_report", "time_progress", "-0.0001"),
        ("progress_report", "work_quantity_progress", "101"),
        ("performance_evaluation", "score", "100.5"),
    ],
)
def test_percentages_outside_0_to_100_are_refused(kind, name, value):
    assert set(services.validate(kind, answers(kind, **{name: value}))) == {name}


@pytest.mark.parametrize("value", ["0", "100", "99.9999"])
def test_percentages_at_and_inside_the_bounds_are_accepted(value):
    assert services.validate("progress_report", answers("progress_report", time_progress=value)) == {}


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "26-01", "2026-1", "2026/09", "2026-09-01", "２０２６-09"])
def test_a_period_not_written_yyyy_mm_is_refused(period):
    errors = services.validate("progress_report", answers("progress_report", period=period))
    assert errors == {"period": "请按 YYYY-MM 格式填写月份。"}


def test_a_progress_report_may_leave_out_the_dimensions_the_project_did_not_choose():
    report = {"period": "2026-10", "image_note": "主体封顶"}
    assert services.validate("progress_report", report) == {}


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("procurement", "method", "拍卖"),
        ("procurement", "procurement_type", "工程"),
        ("contract", "contract_type", "construction"),
        ("acceptance", "acceptance_type", "专项验收"),
        ("acceptance", "result", "ok"),
        ("performance_evaluation", "stage", "final"),
        ("performance_evaluation", "grade", "A"),
        ("procedure_document", "procedure", "works"),
    ],
)
def test_a_choice_outside_its_vocabulary_is_refused(kind, name, value):
    # project_info's classifications read 数据字典: tests/dictionaries/test_dictionaries_everywhere.py
    assert services.validate(kind, answers(kind, **{name: value})) == {name: "请从列出的选项中选择一项。"}


@pytest.mark.parametrize("name", ["title", "method", "budget", "award_amount", "winner", "awarded_on"])
def test_a_procurement_without_a_needed_answer_names_that_field(name):
    assert services.validate("procurement", answers("procurement", **{name: "  "})) == {name: "此项为必填项。"}


def test_money_with_more_than_four_places_or_below_zero_is_refused():
    errors = services.validate("procurement", answers("procurement", budget="1.00001", award_amount="-1"))
    assert set(errors) == {"budget", "award_amount"}
