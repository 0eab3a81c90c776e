"""Task forms declared in forms/*.json: structure checks and server-side validation of answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

FIELD_TYPES = {"text", "textarea", "choice", "decimal", "integer", "date", "boolean"}
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
LOCALES = ("zh_CN", "en")
RESERVED_NAMES = {"signed_by", "signed_by_id", "signed_at", "department", "task", "org_name"}


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
        if f.get("type") not in FIELD_TYPES:
            raise FormError(f"type must be one of {sorted(FIELD_TYPES)}", name)
        _check_label(f.get("label"), "label", name)
        if f["type"] == "choice":
            choices = f.get("choices")
            if not isinstance(choices, list) or not choices:
                raise FormError("a choice field needs choices", name)
            for c in choices:
                if not isinstance(c, dict) or not isinstance(c.get("value"), str):
                    raise FormError("each choice needs a string value", name)
                _check_label(c.get("label"), "choice label", name)
        for limit in ("max_length", "min_length"):
            if limit in f and (not isinstance(f[limit], int) or f[limit] < 0):
                raise FormError(f"{limit} must be a non-negative integer", name)
        for bound in ("min", "max"):
            if bound in f:
                try:
                    Decimal(str(f[bound]))
                except InvalidOperation:
                    raise FormError(f"{bound} must be a number", name) from None
    return data


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
        allowed = [c["value"] for c in f["choices"]]
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
