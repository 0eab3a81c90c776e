"""The import page's mapping step: the uploaded workbook is kept, its unknown values are mapped on the page.

An upload whose values no dictionary entry (or department) names is refused, as on the command
line, but the page keeps the file (content storage, by sha256; the signed session remembers which
file is this user's, so no one can name another's upload) and shows each distinct unknown value
once with a choice: an existing entry, or — for the platform administrator, who keeps the
dictionaries — 添加到数据字典. Submitting the choices checks the same file again with them, all or
nothing as before; values left unchosen are shown again with the choices already made.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from flask import session
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..dictionaries import services as dictionaries
from ..dictionaries.defaults import FIELD_KINDS
from ..extensions import db
from ..files.storage import storage
from ..orgs.models import Organisation, OrgKind, OrgState, Region, User
from . import matching
from .sheet import ImportReport, key

SESSION_KEY = "import_upload"
ADD = "__add__"
MAX_CHOICES = 2000  # distinct unknown values one page may map


class NoStagedFileError(LookupError):
    """The mapping step was posted without a kept upload of this user (signed out, or never uploaded)."""


@dataclass
class Mapping:
    """The choices a page submitted: for the import, for showing them again, and what was wrong."""

    choices: matching.Choices = field(default_factory=matching.Choices)
    # (column, value key) -> (value as written, target): kept on the page until the import is done
    chosen: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def keep(data: bytes, filename: str) -> None:
    """Store the uploaded workbook and remember it as this session's upload."""
    sha256 = hashlib.sha256(data).hexdigest()
    storage().put(sha256, io.BytesIO(data))
    session[SESSION_KEY] = {"sha256": sha256, "filename": filename[:200]}


def forget() -> None:
    session.pop(SESSION_KEY, None)


def kept() -> tuple[bytes, str]:
    """The bytes and file name of this session's kept upload."""
    staged = session.get(SESSION_KEY)
    if not isinstance(staged, dict) or not isinstance(staged.get("sha256"), str):
        raise NoStagedFileError()
    try:
        fh = storage().open(staged["sha256"])
    except (OSError, ValueError) as exc:
        raise NoStagedFileError() from exc
    try:
        return fh.read(), str(staged.get("filename", ""))
    finally:
        fh.close()


def kept_name() -> str | None:
    staged = session.get(SESSION_KEY)
    return str(staged.get("filename", "")) if isinstance(staged, dict) else None


def may_add(user: User) -> bool:
    return dictionaries.may_manage(user)


def read_form(form: MultiDict[str, str], user: User) -> Mapping:
    """Choices from fields column-i / value-i / target-i (i < count); problems name the value concerned."""
    mapping = Mapping()
    try:
        count = min(int(form.get("count", "0")), MAX_CHOICES)
    except ValueError:
        count = 0
    for i in range(count):
        column, value, target = (form.get(f"{part}-{i}", "").strip() for part in ("column", "value", "target"))
        if not column or not value or not target:
            continue
        try:
            name = matching.column_field(column)
        except matching.MappingError as exc:
            mapping.problems.append(str(exc))
            continue
        mapping.chosen[(column, key(value))] = (value, target)
        if target == ADD:
            if name == "department":
                mapping.problems.append(
                    _("Departments come from the set-up file; map unknown names to a department instead.")
                )
            elif not may_add(user):
                mapping.problems.append(
                    _("「%(value)s」: only the platform administrator may add entries to a dictionary.", value=value)
                )
            else:
                mapping.choices.add_values.setdefault(name, set()).add(key(value))
            continue
        if name != "department" and dictionaries.find(FIELD_KINDS[name], target) is None:
            mapping.problems.append(
                _(
                    "「%(value)s」: %(target)s is not an active entry of %(column)s.",
                    value=value,
                    target=target,
                    column=column,
                )
            )
            continue
        mapping.choices.mapped.setdefault(name, {})[key(value)] = target
    return mapping


@dataclass
class Row:
    """One value as the page shows it: unknown (rows counted) or already chosen (rows None)."""

    column: str
    value: str
    rows: int | None
    options: tuple[str, ...]
    chosen: str
    can_add: bool


def rows(report: ImportReport, user: User, chosen: dict[tuple[str, str], tuple[str, str]]) -> list[Row]:
    """The report's unknown values, then the values chosen before, each with the entries it may become."""
    options: dict[str, tuple[str, ...]] = {}

    def row(column: str, value: str, n: int | None) -> Row:
        name = matching.column_field(column)
        if column not in options:
            options[column] = _department_names() if name == "department" else dictionaries.names(FIELD_KINDS[name])
        return Row(
            column=column,
            value=value,
            rows=n,
            options=options[column],
            chosen=chosen.get((column, key(value)), ("", ""))[1],
            can_add=name != "department" and may_add(user),
        )

    shown = [row(column, value, n) for column, values in report.unmatched.items() for value, n in values.items()]
    unknown = {(r.column, key(r.value)) for r in shown}
    shown += [row(column, value, None) for (column, k), (value, _t) in chosen.items() if (column, k) not in unknown]
    return shown[:MAX_CHOICES]


def _department_names() -> tuple[str, ...]:
    stmt = (
        select(Organisation.name)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.kind == OrgKind.DEPARTMENT, Organisation.state == OrgState.ACTIVE)
        .order_by(Region.sort_order, Organisation.name)
    )
    return tuple(db.session.scalars(stmt))
