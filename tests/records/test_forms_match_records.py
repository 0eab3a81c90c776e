"""Every form in forms/ that declares a record answers that record's fields with fitting types and choices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zerolegwork.records.fields import form_problems
from zerolegwork.records.services import KINDS

FORMS = Path(__file__).resolve().parents[2] / "forms"
DECLARING = sorted(p.name for p in FORMS.glob("*.json") if json.loads(p.read_text(encoding="utf-8")).get("record"))


@pytest.mark.parametrize("name", DECLARING)
def test_the_form_can_write_the_record_it_declares(name):
    form = json.loads((FORMS / name).read_text(encoding="utf-8"))
    assert form["record"] in KINDS
    assert form_problems(form) == []


def test_a_form_missing_a_needed_field_or_with_a_foreign_choice_is_reported():
    form = {
        "record": "acceptance",
        "fields": [
            {"name": "acceptance_type", "type": "choice", "required": True, "choices": [{"value": "专项验收"}]},
            {"name": "result", "type": "text", "required": True},
            {"name": "accepted_on", "type": "date", "required": False},
        ],
    }
    assert form_problems(form) == [
        "acceptance_type: choices ['专项验收'] are not values the record knows",
        "result: type must be one of ['choice']",
        "accepted_on: the record needs an answer, so the field must be required",
        "organiser: the record needs this field",
    ]


def test_an_unknown_record_kind_is_reported():
    assert "not a known record kind" in form_problems({"record": "budget_cut", "fields": []})[0]


def test_a_rows_field_is_checked_column_by_column():
    form = {
        "record": "performance_goals",
        "fields": [
            {"name": "goal", "type": "textarea", "required": True},
            {
                "name": "indicators",
                "type": "rows",
                "required": True,
                "columns": [{"name": "name", "type": "text", "required": True}],
            },
        ],
    }
    assert form_problems(form) == [
        "indicators.weight: the record needs this field",
        "indicators.target: the record needs this field",
    ]
