"""Hostile answers (huge strings, things that are not numbers, ten thousand rows) get clear errors, write nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.records.support import VALID, answers
from zerolegwork.extensions import db
from zerolegwork.records import services
from zerolegwork.records.errors import RecordValidationError
from zerolegwork.records.models import PerformanceGoal, PerformanceIndicator, Procurement


@pytest.mark.usefixtures("bare_app")
class TestRefusedWithoutADatabase:
    def test_a_megabyte_title_is_refused_with_the_limit(self):
        errors = services.validate("procurement", answers("procurement", title="标" * 1_000_000))
        assert errors == {"title": "最多 200 个字。"}

    def test_a_megabyte_note_is_refused(self):
        errors = services.validate("acceptance", answers("acceptance", remarks="x" * 1_000_000))
        assert set(errors) == {"remarks"}

    @pytest.mark.parametrize(
        "value", ["NaN", "Infinity", "-inf", "1e400", "9" * 100_000, "1,000", "一千", True, 1.5, [1], {"a": 1}, "0x10"]
    )
    def test_things_that_are_not_exact_numbers_are_refused_as_numbers(self, value):
        errors = services.validate("procurement", answers("procurement", budget=value))
        assert errors == {"budget": "请输入数字。"}

    def test_an_amount_beyond_the_column_is_refused(self):
        errors = services.validate("contract", answers("contract", amount="1000000000000"))
        assert set(errors) == {"amount"}

    @pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "9" * 10_000, 20260101, None])
    def test_impossible_dates_are_refused(self, value):
        errors = services.validate("contract", answers("contract", signed_on=value))
        assert set(errors) == {"signed_on"}

    def test_ten_thousand_indicator_rows_are_refused_without_reading_one(self):
        class Counted(dict):
            read = 0

            def __getitem__(self, key):  # type: ignore[no-untyped-def]
                Counted.read += 1
                return super().__getitem__(key)

            def get(self, key, default=None):  # type: ignore[no-untyped-def]
                Counted.read += 1
                return super().get(key, default)

            def items(self):  # type: ignore[no-untyped-def]
                Counted.read += 1
                return super().items()

        rows = [Counted(name="指标", weight="0.01", target="t") for _ in range(10_000)]
        errors = services.validate("performance_goals", answers("performance_goals", indicators=rows))
        assert errors == {"indicators": "最多 100 行。"}
        assert Counted.read == 0  # the length is checked before any row is looked at

    @pytest.mark.parametrize("rows", ["a table", [1, 2], [["通车里程", "100", "t"]], {"name": "x"}])
    def test_rows_that_are_not_a_list_of_mappings_are_refused(self, rows):
        errors = services.validate("performance_goals", answers("performance_goals", indicators=rows))
        assert errors == {"indicators": "请按表格逐行填写。"}

    def test_answer_names_that_are_not_field_names_are_refused(self):
        errors = services.validate("acceptance", answers("acceptance", **{"DROP TABLE": 1}))
        assert set(errors) == {"_form"}

    def test_megabytes_of_extra_answers_are_refused(self):
        errors = services.validate("acceptance", answers("acceptance", notes_added_later="x" * 100_000))
        assert errors == {"_form": "附加填报内容过长。"}

    def test_answers_that_are_not_a_mapping_are_a_programming_error(self):
        with pytest.raises(TypeError):
            services.validate("acceptance", ["acceptance_type", "joint"])


def test_hostile_answers_write_nothing(project, actor):
    hostile = [
        ("procurement", answers("procurement", title="标" * 1_000_000)),
        ("procurement", answers("procurement", budget="NaN")),
        (
            "performance_goals",
            answers("performance_goals", indicators=[{"name": "n", "weight": "1", "target": "t"}] * 10_000),
        ),
    ]
    for kind, given in hostile:
        with pytest.raises(RecordValidationError):
            services.write(kind, project.id, given, actor.id, None)
    db.session.commit()
    for model in (Procurement, PerformanceGoal, PerformanceIndicator):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert services.validate("procurement", VALID["procurement"]) == {}
