"""Task forms declared in forms/*.json: structure checks and server-side validation of answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

FIELD_TYPES = {"text", "textarea", "choice", "decimal", "integer", "date", "boolean", "rows"}
# the types a column of a `rows` (table) field may have
COLUMN_TYPES = {"text", "decimal", "integer", "date", "choice"}
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
SLOT_RE = re.compile(r"[a-z][a-z0-9_]{0,59}")
# whose material an evidence slot holds: the project unit's (its engaged agencies add to it too), each
# reviewing department's own, or both kept apart (a form the unit and a department both fill in)
EVIDENCE_OWNERS = ("unit", "reviewer", "each")
LOCALES = ("zh_CN", "en")
RESERVED_NAMES = {"signed_by", "signed_by_id", "signed_at", "department", "task", "org_name"}
# a rows field allows at most `max_rows` rows (default DEFAULT_MAX_ROWS), never more than ROWS_LIMIT
DEFAULT_MAX_ROWS = 50
ROWS_LIMIT = 200
MAX_COLUMNS = 20
# a submitted table cell: <field>-<row>-<column>, e.g. indicators-2-weight
CELL_RE = re.compile(r"([a-z][a-z0-9_]{0,62})-([0-9]{1,4})-([a-z][a-z0-9_]{0,62})")


# A choice field may name a dictionary ("dictionary": "category"): its options are then that
# dictionary's entries, read through the source the app installs (dictionaries.services.form_choices),
# as {"value", "label", "retired"}; its own "choices" stay the fallback (check-bpmn, no app).
ChoiceSource = Callable[[str], list[dict[str, Any]] | None]
_choice_source: list[ChoiceSource] = []


def use_choice_source(source: ChoiceSource) -> None:
    """Install where dictionary-backed choice fields read their options (once, when the app starts)."""
    _choice_source[:] = [source]


def choices_of(f: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A choice field's options: its dictionary's entries (retired ones flagged) when it names one."""
    kind = f.get("dictionary")
    if isinstance(kind, str) and _choice_source:
        found = _choice_source[0](kind)
        if found:
            return found
    return list(f.get("choices") or [])


def with_choices(form: dict[str, Any]) -> dict[str, Any]:
    """The form with every dictionary-backed field's options read now (a copy; the form itself is shared)."""
    if not any(f.get("dictionary") for f in form.get("fields", [])):
        return form
    fields = [{**f, "choices": choices_of(f)} if f.get("dictionary") else f for f in form["fields"]]
    return {**form, "fields": fields}


class FormError(ValueError):
    """A form file is not well formed."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class FormValidationError(ValueError):
    """Submitted answers do not satisfy the form; `errors` maps field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _check_label(obj: Any, where: str, field: str) -> None:
    if not isinstance(obj, dict) or not all(isinstance(obj.get(loc), str) and obj[loc] for loc in LOCALES):
        raise FormError(f"{where} needs a non-empty zh_CN and en text", field)


def parse_form(key: str, data: Any) -> dict[str, Any]:
    """Check a form definition's structure; return it unchanged when it is well formed."""
    if not NAME_RE.fullmatch(key):
        raise FormError(f"form file name {key!r} must be snake_case")
    if not isinstance(data, dict):
        raise FormError("a form is a JSON object")
    _check_label(data.get("title"), "title", "")
    fields = data.get("fields")
    if not isinstance(fields, list) or not fields:
        raise FormError("a form needs a non-empty list of fields")
    seen: set[str] = set()
    for f in fields:
        name = f.get("name") if isinstance(f, dict) else None
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise FormError(f"field name {name!r} must be snake_case", str(name))
        if name in seen:
            raise FormError("field name used twice", name)
        if name in RESERVED_NAMES:
            raise FormError("field name is reserved by the platform", name)
        seen.add(name)
        _check_field(f, name, FIELD_TYPES)
        if f["type"] == "rows":
            _check_rows(f, name)
    record = data.get("record")
    if record is not None and (not isinstance(record, str) or not NAME_RE.fullmatch(record)):
        raise FormError("record must be null or the snake_case name of a record kind", "record")
    hook = data.get("hook")
    if hook is not None and (not isinstance(hook, str) or not NAME_RE.fullmatch(hook)):
        raise FormError("hook must be null or the snake_case name of a platform step hook", "hook")
    _check_evidence(data.get("evidence"))
    return data


def _check_field(f: dict[str, Any], name: str, types: set[str]) -> None:
    """Check one field (or one column of a rows field): type, label, choices, limits."""
    if f.get("type") not in types:
        raise FormError(f"type must be one of {sorted(types)}", name)
    _check_label(f.get("label"), "label", name)
    if "required" in f and not isinstance(f["required"], bool):
        raise FormError("required must be true or false", name)
    if f["type"] == "choice":
        choices = f.get("choices")
        if not isinstance(choices, list) or not choices:
            raise FormError("a choice field needs choices", name)
        for c in choices:
            if not isinstance(c, dict) or not isinstance(c.get("value"), str):
                raise FormError("each choice needs a string value", name)
            _check_label(c.get("label"), "choice label", name)
        if "dictionary" in f and (not isinstance(f["dictionary"], str) or not NAME_RE.fullmatch(f["dictionary"])):
            raise FormError("dictionary must be the snake_case name of a dictionary kind", name)
    for limit in ("max_length", "min_length", "places"):
        if limit in f and (not _is_int(f[limit]) or f[limit] < 0):
            raise FormError(f"{limit} must be a non-negative integer", name)
    for bound in ("min", "max"):
        if bound in f:
            try:
                Decimal(str(f[bound]))
            except InvalidOperation:
                raise FormError(f"{bound} must be a number", name) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_rows(f: dict[str, Any], name: str) -> None:
    """A rows (table) field: 1..MAX_COLUMNS simple columns, 0 <= min_rows <= max_rows <= ROWS_LIMIT."""
    columns = f.get("columns")
    if not isinstance(columns, list) or not columns or len(columns) > MAX_COLUMNS:
        raise FormError(f"a rows field needs a list of 1 to {MAX_COLUMNS} columns", name)
    seen: set[str] = set()
    for col in columns:
        col_name = col.get("name") if isinstance(col, dict) else None
        if not isinstance(col_name, str) or not NAME_RE.fullmatch(col_name):
            raise FormError(f"column name {col_name!r} must be snake_case", name)
        if col_name in seen:
            raise FormError("column name used twice", f"{name}.{col_name}")
        seen.add(col_name)
        _check_field(col, f"{name}.{col_name}", COLUMN_TYPES)
    for limit in ("min_rows", "max_rows"):
        if limit in f and (not _is_int(f[limit]) or not 0 <= f[limit] <= ROWS_LIMIT):
            raise FormError(f"{limit} must be an integer from 0 to {ROWS_LIMIT}", name)
    if f.get("max_rows") == 0 or f.get("min_rows", 0) > f.get("max_rows", DEFAULT_MAX_ROWS):
        raise FormError("max_rows must be at least 1 and at least min_rows", name)


def _check_evidence(evidence: Any) -> None:
    """The attachments a form asks for: [{"slot", "label", "required", "photo", "owner"}] (or a bare slot name)."""
    if evidence is None:
        return
    if not isinstance(evidence, list):
        raise FormError("evidence must be a list of slots", "evidence")
    seen: set[str] = set()
    for entry in evidence:
        slot = entry if isinstance(entry, str) else entry.get("slot") if isinstance(entry, dict) else None
        if not isinstance(slot, str) or not SLOT_RE.fullmatch(slot):
            raise FormError(f"evidence slot {slot!r} must be snake_case, at most 60 characters", "evidence")
        where = f"evidence.{slot}"
        if slot in seen:
            raise FormError("evidence slot used twice", where)
        seen.add(slot)
        if isinstance(entry, str):
            continue
        _check_label(entry.get("label"), "evidence label", where)
        for flag in ("required", "photo"):
            if flag in entry and not isinstance(entry[flag], bool):
                raise FormError(f"{flag} must be true or false", where)
        if entry.get("owner", "unit") not in EVIDENCE_OWNERS:
            raise FormError(f"owner must be one of {', '.join(EVIDENCE_OWNERS)}", where)
        extensions = entry.get("extensions")
        if extensions is not None and (
            not isinstance(extensions, list) or not extensions or not all(isinstance(e, str) for e in extensions)
        ):
            raise FormError("extensions must be a non-empty list of file extensions", where)


def label(obj: Mapping[str, str], locale: str) -> str:
    """Pick the text for a locale from a {zh_CN, en} mapping."""
    return obj.get(locale) or obj.get("zh_CN") or next(iter(obj.values()), "")


def validate_answers(form: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check submitted answers against the form; return cleaned values or raise FormValidationError."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for f in form["fields"]:
        name, kind = f["name"], f["type"]
        value = raw.get(name)
        if kind == "rows":
            rows, row_errors = _clean_rows(f, value)
            clean[name] = rows
            errors.update(row_errors)
            continue
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "") and kind != "boolean":
            if f.get("required"):
                errors[name] = _("This field is required.")
            else:
                clean[name] = None
            continue
        try:
            clean[name] = _clean(f, kind, value)
        except ValueError as exc:
            errors[name] = str(exc)
    unknown = set(raw) - {f["name"] for f in form["fields"]} - {"csrf_token", "version"}
    if unknown:
        errors["_form"] = _("Unknown fields: %(names)s", names=", ".join(sorted(unknown)[:5]))
    if errors:
        raise FormValidationError(errors)
    return clean


def _clean_rows(f: Mapping[str, Any], value: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Clean a table answer (a list of {column: value}); blank rows are dropped.

    Errors: the field's own name for the table as a whole (required, too few or too many rows,
    not a list), `<field>.<row>` for a row that is not a mapping or has unknown columns, and
    `<field>.<row>.<column>` for a cell; rows are counted from 0 after blank rows are dropped.
    """
    name = f["name"]
    if value in (None, ""):
        value = []
    if not isinstance(value, list | tuple):
        return [], {name: _("Enter the rows of the table.")}
    max_rows = f.get("max_rows", DEFAULT_MAX_ROWS)
    if len(value) > max_rows:
        return [], {name: _("At most %(n)d rows.", n=max_rows)}
    columns = {c["name"]: c for c in f["columns"]}
    rows = [r for r in value if not isinstance(r, Mapping) or not all(_blank(v) for v in r.values())]
    errors: dict[str, str] = {}
    clean: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[f"{name}.{i}"] = _("Enter the rows of the table.")
            continue
        unknown = set(row) - set(columns)
        if unknown:
            errors[f"{name}.{i}"] = _("Unknown fields: %(names)s", names=", ".join(sorted(map(str, unknown))[:5]))
        cells: dict[str, Any] = {}
        for col_name, col in columns.items():
            cell = row.get(col_name)
            if isinstance(cell, str):
                cell = cell.strip()
            if cell in (None, ""):
                cells[col_name] = None
                if col.get("required"):
                    errors[f"{name}.{i}.{col_name}"] = _("This field is required.")
                continue
            try:
                cells[col_name] = _clean(col, col["type"], cell)
            except ValueError as exc:
                errors[f"{name}.{i}.{col_name}"] = str(exc)
        clean.append(cells)
    if not rows and f.get("required"):
        errors[name] = _("This field is required.")
    elif rows and len(rows) < f.get("min_rows", 0):
        errors[name] = _("At least %(n)d rows.", n=f["min_rows"])
    return clean, errors


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def collect_answers(data: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted form (a MultiDict) as answers: table cells `<field>-<row>-<column>` become a list of rows.

    Rows keep the order of their numbers; rows whose cells are all blank are dropped. The
    csrf token and the `next` address are not answers.
    """
    answers: dict[str, Any] = {}
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    for key, value in data.items():
        if key in ("csrf_token", "next", "_draft"):  # `_draft`: the page kept a draft of this form
            continue
        cell = CELL_RE.fullmatch(key)
        if cell:
            tables.setdefault(cell[1], {}).setdefault(int(cell[2]), {})[cell[3]] = value
        else:
            answers[key] = value
    for name, numbered in tables.items():
        answers[name] = [numbered[i] for i in sorted(numbered) if not all(_blank(v) for v in numbered[i].values())]
    return answers


def _clean(f: Mapping[str, Any], kind: str, value: Any) -> Any:
    if kind in ("text", "textarea"):
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        max_length = f.get("max_length", 200 if kind == "text" else 5000)
        if len(value) > max_length:
            raise ValueError(_("At most %(n)d characters.", n=max_length))
        if len(value) < f.get("min_length", 0):
            raise ValueError(_("At least %(n)d characters.", n=f["min_length"]))
        return value
    if kind == "choice":
        allowed = [c["value"] for c in choices_of(f)]  # a retired entry stays valid where it was chosen
        if value not in allowed:
            raise ValueError(_("Choose one of the listed options."))
        return value
    if kind == "boolean":
        return value in (True, "1", "true", "on", "yes")
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind in ("decimal", "integer"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            raise ValueError(_("Enter a number."))
        if kind == "integer":
            if number != number.to_integral_value():
                raise ValueError(_("Enter a whole number."))
            number = Decimal(int(number))
        places = f.get("places", 4)
        if kind == "decimal" and number.as_tuple().exponent < -places:  # type: ignore[operator]
            raise ValueError(_("At most %(n)d decimal places.", n=places))
        if "min" in f and number < Decimal(str(f["min"])):
            raise ValueError(_("Must be at least %(v)s.", v=f["min"]))
        if "max" in f and number > Decimal(str(f["max"])):
            raise ValueError(_("Must be at most %(v)s.", v=f["max"]))
        return int(number) if kind == "integer" else str(number)
    raise ValueError(kind)
