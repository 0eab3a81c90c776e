"""The fields each record kind reads from a form's answers, and how one answer becomes a typed value.

The field names are binding: the forms in forms/ that declare `"record": "<kind>"` use exactly
these names and choice values.
Answers normally arrive already validated by the form (decimals as exact strings, dates as
YYYY-MM-DD, integers as int); they are parsed again here because a record must not depend on a
form being written the way the record expects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from ..dictionaries.defaults import FIELD_KINDS
from ..projects.classification import VOCABULARIES
from ..projects.functions import BY_KEY

MONEY_LIMIT = Decimal("1e12")  # Numeric(16, 4)
HUNDRED = Decimal(100)
PERIOD_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
NUMBER_MAX_CHARS = 40
MAX_ROWS = 100


@dataclass(frozen=True)
class Field:
    """One answer a record reads: its type, whether the record needs it, and its limits."""

    type: str  # text textarea choice money percent integer date boolean period rows
    required: bool = True
    max_length: int = 200
    choices: tuple[str, ...] = ()
    dictionary: str = ""  # a choice field whose values are that dictionary kind's entry names (retired too)
    low: int = 0
    high: int = 0
    columns: Mapping[str, Field] = field(default_factory=dict)


def text(max_length: int = 200, required: bool = True) -> Field:
    return Field("text", required, max_length)


def note(required: bool = False) -> Field:
    return Field("textarea", required, 5000)


def choice(values: tuple[str, ...], required: bool = True) -> Field:
    return Field("choice", required, choices=values)


def money(required: bool = True) -> Field:
    return Field("money", required)


def percent(required: bool = True) -> Field:
    return Field("percent", required)


DATE = Field("date")
PROCEDURES = tuple(f.key for f in BY_KEY["procedures"].functions)
PARTS = ("construction_cost", "equipment_cost", "other_cost", "contingency")
SOURCES = ("central", "provincial", "city", "district", "bonds", "bank_loans", "self_raised", "other")

FIELDS: dict[str, dict[str, Field]] = {
    "project_info": {
        **{
            name: Field("choice", False, choices=values, dictionary=FIELD_KINDS[name])
            for name, values in VOCABULARIES.items()
        },
        "start_year": Field("integer", False, low=1900, high=2200),
        "end_year": Field("integer", False, low=1900, high=2200),
        "planned_investment": money(required=False),
        "description": note(),
    },
    "procedure_document": {
        "procedure": choice(PROCEDURES),
        "document_no": text(100),
        "issued_by": text(),
        "issued_on": DATE,
        "remarks": note(),
    },
    "investment_plan": {
        "total": money(),
        "term_years": Field("integer", low=1, high=100),
        **{part: money(required=False) for part in PARTS},
        **{f"fund_{source}": money(required=False) for source in SOURCES},
    },
    "procurement": {
        "title": text(),
        "method": choice(("公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "询价", "单一来源")),
        "procurement_type": choice(("works", "goods", "services")),
        "budget": money(),
        "award_amount": money(),
        "winner": text(),
        "awarded_on": DATE,
    },
    "contract": {
        "title": text(),
        "contract_type": choice(("施工", "监理", "设计", "勘察", "采购", "咨询", "其他")),
        "party_a": text(),
        "party_b": text(),
        "amount": money(),
        "signed_on": DATE,
        "start_on": DATE,
        "end_on": DATE,
    },
    "progress_report": {
        # a project reports only the progress dimensions it chose (projects/functions.py "progress")
        "period": Field("period"),
        "time_progress": percent(required=False),
        "work_quantity_progress": percent(required=False),
        "investment_completed": money(required=False),
        "funds_disbursed": money(required=False),
        "image_note": note(),
        "performance_note": note(),
        "construction_complete": Field("boolean", required=False),
    },
    "acceptance": {
        "acceptance_type": choice(("specialist", "joint", "self")),
        "result": choice(("passed", "conditional", "failed")),
        "accepted_on": DATE,
        "organiser": text(),
        "remarks": note(),
    },
    "performance_goals": {
        "goal": note(required=True),
        "indicators": Field("rows", columns={"name": text(), "weight": percent(), "target": text()}),
    },
    "performance_evaluation": {
        "stage": choice(("monitoring", "self", "third_party", "key")),
        "score": percent(),
        "grade": choice(("优", "良", "中", "差")),
        "findings": note(required=True),
        "use_of_results": note(),
    },
}


def blank(value: Any) -> bool:
    """An unanswered field: missing, empty, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_fields(spec: Mapping[str, Field], answers: Mapping[str, Any], prefix: str = "") -> tuple[dict, dict]:
    """Parse the answers a spec names; return (typed values, {field: message}). Blank optional answers are None."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, f in spec.items():
        raw = answers.get(name)
        if f.type == "boolean":
            values[name] = raw is True or (isinstance(raw, str) and raw.strip().lower() in ("1", "true", "on", "yes"))
            continue
        if blank(raw) or (f.type == "rows" and raw == []):
            if f.required:
                errors[prefix + name] = _("This field is required.")
            values[name] = None
            continue
        try:
            if f.type == "rows":
                values[name], row_errors = _rows(f, raw, prefix + name)
                errors.update(row_errors)
            else:
                values[name] = parse_value(f, raw)
        except ValueError as exc:
            errors[prefix + name] = str(exc)
    return values, errors


def _allowed(f: Field, value: str) -> bool:
    """A choice's value: one of its own list, else of its dictionary's names (an old project keeps a retired one).

    The shipped words need no database read; only a word outside them asks the dictionary.
    """
    if value in f.choices:
        return True
    if f.dictionary:
        from ..dictionaries.services import names

        return value in names(f.dictionary, active_only=False)
    return False


def parse_value(f: Field, raw: Any) -> Any:
    """One answer as the type its column stores; raise ValueError with a translated message."""
    if f.type in ("text", "textarea", "choice", "period"):
        if not isinstance(raw, str):
            raise ValueError(_("Enter text."))
        value = raw.strip()
        if len(value) > f.max_length:
            raise ValueError(_("At most %(n)d characters.", n=f.max_length))
        if f.type == "choice" and not _allowed(f, value):
            raise ValueError(_("Choose one of the listed options."))
        if f.type == "period":
            match = PERIOD_RE.fullmatch(value)
            if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
                raise ValueError(_("Enter a month as YYYY-MM."))
        return value
    if f.type == "date":
        if isinstance(raw, date):
            return raw
        if not isinstance(raw, str) or len(raw) > 20:
            raise ValueError(_("Enter a date as YYYY-MM-DD."))
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    number = _number(raw)
    if f.type == "integer":
        if number != number.to_integral_value():
            raise ValueError(_("Enter a whole number."))
        _bounds(number, Decimal(f.low), Decimal(f.high))
        return int(number)
    if number.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError(_("At most %(n)d decimal places.", n=4))
    if f.type == "percent":
        _bounds(number, Decimal(0), HUNDRED)
    elif number < 0:
        raise ValueError(_("Must be at least %(v)s.", v=0))
    elif number >= MONEY_LIMIT:
        raise ValueError(_("Enter a number."))
    return number


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal) or len(str(raw)) > NUMBER_MAX_CHARS:
        raise ValueError(_("Enter a number."))
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    return number


def _bounds(number: Decimal, low: Decimal, high: Decimal) -> None:
    if number < low:
        raise ValueError(_("Must be at least %(v)s.", v=low))
    if number > high:
        raise ValueError(_("Must be at most %(v)s.", v=high))


def _rows(f: Field, raw: Any, name: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rows of a table answer; cell errors are keyed `<field>.<row>.<column>` (rows counted from 0)."""
    if not isinstance(raw, list | tuple):
        raise ValueError(_("Enter the rows of the table."))
    if len(raw) > MAX_ROWS:  # before looking at any row: a huge table costs nothing
        raise ValueError(_("At most %(n)d rows.", n=MAX_ROWS))
    if not all(isinstance(r, Mapping) for r in raw):
        raise ValueError(_("Enter the rows of the table."))
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i, row in enumerate(raw):
        values, row_errors = parse_fields(f.columns, row, f"{name}.{i}.")
        values["extra"] = {k: v for k, v in row.items() if k not in f.columns}
        rows.append(values)
        errors.update(row_errors)
    return rows, errors


# the form field types that can answer each record field type
FORM_TYPES = {
    "text": {"text"},
    "textarea": {"textarea", "text"},
    "period": {"text"},
    "choice": {"choice"},
    "money": {"decimal"},
    "percent": {"decimal"},
    "integer": {"integer"},
    "date": {"date"},
    "boolean": {"boolean"},
    "rows": {"rows"},
}


def form_problems(form: Mapping[str, Any]) -> list[str]:
    """Why a form that declares a record cannot write it: missing or optional fields, wrong types, unknown choices."""
    kind = form.get("record")
    if kind is None:
        return []
    if kind not in FIELDS:
        return [f"record {kind!r} is not a known record kind ({', '.join(sorted(FIELDS))})"]
    return _fields_problems(FIELDS[kind], form.get("fields") or [], "")


def _fields_problems(spec: Mapping[str, Field], form_fields: list[Any], prefix: str) -> list[str]:
    given = {f.get("name"): f for f in form_fields if isinstance(f, dict)}
    problems = []
    for name, f in spec.items():
        where = prefix + name
        field_def = given.get(name)
        if field_def is None:
            if f.required:
                problems.append(f"{where}: the record needs this field")
            continue
        if field_def.get("type") not in FORM_TYPES[f.type]:
            problems.append(f"{where}: type must be one of {sorted(FORM_TYPES[f.type])}")
            continue
        if f.required and not field_def.get("required"):
            problems.append(f"{where}: the record needs an answer, so the field must be required")
        if f.type == "choice":
            unknown = {c.get("value") for c in field_def.get("choices") or [] if isinstance(c, dict)} - set(f.choices)
            if unknown:
                problems.append(f"{where}: choices {sorted(map(str, unknown))} are not values the record knows")
        if f.type == "rows":
            problems += _fields_problems(f.columns, field_def.get("columns") or [], where + ".")
    return problems
