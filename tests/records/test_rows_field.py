"""The `rows` form field: its definition is checked, its answers validated cell by cell, its page rendered."""

from __future__ import annotations

import copy
import json

import pytest
from werkzeug.datastructures import MultiDict

from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.forms import FormError, FormValidationError, collect_answers, parse_form, validate_answers

INDICATORS = {
    "name": "indicators",
    "type": "rows",
    "label": {"zh_CN": "绩效指标", "en": "Indicators"},
    "required": True,
    "min_rows": 1,
    "max_rows": 20,
    "columns": [
        {"name": "name", "type": "text", "required": True, "label": {"zh_CN": "指标名称", "en": "Indicator"}},
        {
            "name": "weight",
            "type": "decimal",
            "required": True,
            "min": 0,
            "max": 100,
            "label": {"zh_CN": "权重", "en": "Weight"},
        },
        {"name": "due_on", "type": "date", "label": {"zh_CN": "完成日期", "en": "Due"}},
        {
            "name": "level",
            "type": "choice",
            "label": {"zh_CN": "级别", "en": "Level"},
            "choices": [{"value": "core", "label": {"zh_CN": "核心", "en": "Core"}}],
        },
    ],
}
FORM = {
    "title": {"zh_CN": "绩效目标", "en": "Goals"},
    "record": "performance_goals",
    "fields": [
        {"name": "goal", "type": "textarea", "required": True, "label": {"zh_CN": "目标", "en": "Goal"}},
        INDICATORS,
    ],
    "evidence": [
        {"slot": "goal_table", "label": {"zh_CN": "目标申报表", "en": "Goal sheet"}, "required": True},
        {"slot": "site_photo", "label": {"zh_CN": "照片", "en": "Photo"}, "required": False, "photo": True},
    ],
}


def form_with(**changes):
    form = copy.deepcopy(FORM)
    form["fields"][1].update(changes)
    return form


def test_a_well_formed_rows_field_and_evidence_list_pass():
    assert parse_form("performance_goals", copy.deepcopy(FORM))


@pytest.mark.parametrize(
    "changes",
    [
        {"columns": []},
        {"columns": "name,weight"},
        {"columns": [{"name": "Name", "type": "text", "label": {"zh_CN": "名", "en": "N"}}]},
        {"columns": [{"name": "sub", "type": "rows", "label": {"zh_CN": "表", "en": "T"}, "columns": []}]},
        {"columns": [{"name": "done", "type": "boolean", "label": {"zh_CN": "完成", "en": "Done"}}]},
        {"columns": [{"name": "level", "type": "choice", "label": {"zh_CN": "级", "en": "L"}}]},
        {"columns": [{"name": "a", "type": "text", "label": {"zh_CN": "甲"}}]},
        {"columns": [{"name": "a", "type": "text", "label": {"zh_CN": "甲", "en": "A"}}] * 2},
        {"columns": [{"name": f"c{i}", "type": "text", "label": {"zh_CN": "列", "en": "C"}} for i in range(21)]},
        {"max_rows": 0},
        {"max_rows": 100_000},
        {"max_rows": True},
        {"max_rows": "20"},
        {"min_rows": -1},
        {"min_rows": 5, "max_rows": 2},
        {"min_rows": 60},
        {"required": "yes"},
    ],
)
def test_a_malformed_rows_field_is_a_form_problem(changes):
    with pytest.raises(FormError) as caught:
        parse_form("performance_goals", form_with(**changes))
    assert caught.value.field.startswith("indicators")


@pytest.mark.parametrize(
    "evidence",
    [
        {"slot": "photo"},
        [{"slot": "Site Photo", "label": {"zh_CN": "照片", "en": "Photo"}}],
        [{"slot": "x" * 61, "label": {"zh_CN": "照片", "en": "Photo"}}],
        [{"label": {"zh_CN": "照片", "en": "Photo"}}],
        [{"slot": "photo", "label": {"zh_CN": "照片"}}],
        [{"slot": "photo", "label": {"zh_CN": "照片", "en": "Photo"}, "required": "true"}],
        [{"slot": "photo", "label": {"zh_CN": "照片", "en": "Photo"}, "photo": 1}],
        [
            {"slot": "photo", "label": {"zh_CN": "照片", "en": "Photo"}},
            {"slot": "photo", "label": {"zh_CN": "照", "en": "P"}},
        ],
        [42],
    ],
)
def test_a_malformed_evidence_list_is_a_form_problem(evidence):
    form = copy.deepcopy(FORM)
    form["evidence"] = evidence
    with pytest.raises(FormError) as caught:
        parse_form("performance_goals", form)
    assert caught.value.field.startswith("evidence")


@pytest.mark.parametrize("record", ["Performance Goals", 7, ""])
def test_a_record_that_is_not_a_snake_case_name_is_a_form_problem(record):
    form = copy.deepcopy(FORM)
    form["record"] = record
    with pytest.raises(FormError, match="record"):
        parse_form("performance_goals", form)


def test_check_bpmn_reports_malformed_rows_and_evidence_by_file_and_field(tmp_path):
    (tmp_path / "bpmn").mkdir()
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "good.json").write_text(json.dumps(FORM), encoding="utf-8")
    (forms / "bad_rows.json").write_text(json.dumps(form_with(max_rows=0)), encoding="utf-8")
    bad_evidence = copy.deepcopy(FORM)
    bad_evidence["evidence"][1]["photo"] = "yes"
    (forms / "bad_evidence.json").write_text(json.dumps(bad_evidence), encoding="utf-8")
    catalog = load_catalog(tmp_path / "bpmn", forms)
    found = {(p.file, p.element) for p in catalog.problems}
    assert found == {("bad_rows.json", "indicators"), ("bad_evidence.json", "evidence.site_photo")}


def test_rows_answers_are_cleaned_cell_by_cell():
    rows = [
        {"name": " 通车里程 ", "weight": "60", "due_on": "2027-06-30", "level": "core"},
        {"name": "满意度", "weight": "40.00", "due_on": "", "level": ""},
    ]
    clean = validate_answers(FORM, {"goal": "提升通行能力", "indicators": rows})
    assert clean["indicators"] == [
        {"name": "通车里程", "weight": "60", "due_on": "2027-06-30", "level": "core"},
        {"name": "满意度", "weight": "40.00", "due_on": None, "level": None},
    ]


def test_cell_errors_are_keyed_field_row_column_counting_rows_from_zero():
    rows = [
        {"name": "通车里程", "weight": "60"},
        {"name": "", "weight": "120", "due_on": "2027-02-30", "level": "minor"},
    ]
    with pytest.raises(FormValidationError) as caught:
        validate_answers(FORM, {"goal": "g", "indicators": rows})
    assert set(caught.value.errors) == {
        "indicators.1.name",
        "indicators.1.weight",
        "indicators.1.due_on",
        "indicators.1.level",
    }


def test_blank_rows_are_dropped_before_counting():
    rows = [{"name": "", "weight": " "}, {"name": "通车里程", "weight": "100"}, {}]
    clean = validate_answers(FORM, {"goal": "g", "indicators": rows})
    assert [r["name"] for r in clean["indicators"]] == ["通车里程"]


@pytest.mark.usefixtures("bare_app")
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "此项为必填项。"),
        ([], "此项为必填项。"),
        ([{"name": "", "weight": ""}], "此项为必填项。"),
        ("a table", "请按表格逐行填写。"),
        ([{"name": "n", "weight": "1"}] * 21, "最多 20 行。"),
        ([{"name": "n", "weight": "1"}] * 10_000, "最多 20 行。"),
    ],
)
def test_the_table_as_a_whole_is_refused_under_the_fields_name(value, message):
    with pytest.raises(FormValidationError) as caught:
        validate_answers(FORM, {"goal": "g", "indicators": value})
    assert caught.value.errors == {"indicators": message}


def test_too_few_rows_are_refused():
    form = form_with(min_rows=2)
    with pytest.raises(FormValidationError) as caught:
        validate_answers(form, {"goal": "g", "indicators": [{"name": "n", "weight": "1"}]})
    assert set(caught.value.errors) == {"indicators"}


def test_a_row_with_unknown_columns_or_not_a_mapping_is_refused_by_row():
    rows = [{"name": "n", "weight": "1", "secret": "x"}, "n,1"]
    with pytest.raises(FormValidationError) as caught:
        validate_answers(FORM, {"goal": "g", "indicators": rows})
    assert set(caught.value.errors) == {"indicators.0", "indicators.1"}


def test_a_huge_cell_is_refused_by_its_limit():
    with pytest.raises(FormValidationError) as caught:
        validate_answers(FORM, {"goal": "g", "indicators": [{"name": "名" * 100_000, "weight": "1"}]})
    assert set(caught.value.errors) == {"indicators.0.name"}


def test_a_submitted_page_becomes_a_list_of_rows_without_the_blank_ones():
    data = MultiDict(
        [
            ("csrf_token", "t"),
            ("goal", "提升"),
            ("indicators-0-name", "通车里程"),
            ("indicators-0-weight", "60"),
            ("indicators-1-name", ""),
            ("indicators-1-weight", "  "),
            ("indicators-10-name", "工期"),
            ("indicators-10-weight", "15"),
            ("indicators-2-name", "满意度"),
            ("indicators-2-weight", "25"),
            ("next", "/"),
        ]
    )
    assert collect_answers(data) == {
        "goal": "提升",
        "indicators": [
            {"name": "通车里程", "weight": "60"},
            {"name": "满意度", "weight": "25"},
            {"name": "工期", "weight": "15"},
        ],
    }


def test_a_page_of_only_blank_rows_gives_an_empty_table():
    assert collect_answers(MultiDict([("indicators-0-name", ""), ("indicators-0-weight", "")])) == {"indicators": []}


def test_cell_names_that_do_not_fit_the_pattern_stay_unknown_answers():
    data = MultiDict([("indicators-99999-name", "x"), ("Indicators-0-name", "y"), ("indicators-0-", "z")])
    answers = collect_answers(data)
    assert "indicators" not in answers
    with pytest.raises(FormValidationError) as caught:
        validate_answers(FORM, {"goal": "g", "indicators": [{"name": "n", "weight": "100"}], **answers})
    assert set(caught.value.errors) == {"_form"}


def test_a_submitted_page_round_trips_through_collect_and_validate():
    data = MultiDict([("goal", "g"), ("indicators-0-name", "通车里程"), ("indicators-0-weight", "100")])
    clean = validate_answers(FORM, collect_answers(data))
    assert clean["indicators"] == [{"name": "通车里程", "weight": "100", "due_on": None, "level": None}]
