"""How the import reads a bureau's own words: dictionary entries and departments by name, short name or alias.

A value the dictionaries do not know is not a row error but an unmatched value, counted once per
distinct value (ImportReport.unmatched); the administrator maps it to an entry (`--map
项目类别=交通运输:市政道路`, or on the page) or adds it to the dictionary (`--add-missing 项目类别`),
and the import is checked again. Departments match by their full name (包头市发展和改革委员会), the name
without the region's prefix (发展和改革委员会) or an alias kept in the 部门简称 dictionary (发改委).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..dictionaries import services as dictionaries
from ..dictionaries.defaults import FIELD_KINDS
from ..orgs.models import User
from .sheet import COLUMNS, HEADER_KEYS, SheetRow, cell_text, key

MAPPABLE = (*FIELD_KINDS, "department")


class MappingError(ValueError):
    """A --map or --add-missing option that does not parse; the message is for the user."""


@dataclass
class Choices:
    """What the administrator decided about unmatched values: field -> {value key: target}, fields to add."""

    mapped: dict[str, dict[str, str]] = field(default_factory=dict)
    add_missing: set[str] = field(default_factory=set)
    # field -> keys of single values to add (the import page's per-value choice)
    add_values: dict[str, set[str]] = field(default_factory=dict)

    def target(self, name: str, text: str) -> str | None:
        return self.mapped.get(name, {}).get(key(text))

    def adds(self, name: str, text: str) -> bool:
        """Whether an unknown value of this field is to be added to its dictionary."""
        return name in self.add_missing or key(text) in self.add_values.get(name, set())

    @property
    def adding(self) -> bool:
        return bool(self.add_missing or any(self.add_values.values()))


def column_field(header: str) -> str:
    """The field a column header (项目类别, 主管单位 …) or a field name (category) names."""
    name = header if header in COLUMNS else HEADER_KEYS.get(key(header))
    if name not in MAPPABLE:
        raise MappingError(_("「%(column)s」 is not a column whose values can be mapped.", column=header))
    return str(name)


def parse_choices(maps: tuple[str, ...] | list[str], add_missing: tuple[str, ...] | list[str]) -> Choices:
    """Read `项目类别=交通运输:市政道路` options and `--add-missing 项目类别` columns."""
    choices = Choices()
    for option in maps:
        column, _sep, rest = option.partition("=")
        value, _sep2, target = rest.rpartition(":")
        if not column.strip() or not value.strip() or not target.strip():
            raise MappingError(_("Write a mapping as 列名=文件中的值:字典中的条目, e.g. 项目类别=交通运输:市政道路."))
        choices.mapped.setdefault(column_field(column.strip()), {})[key(value)] = target.strip()
    for column in add_missing:
        name = column_field(column.strip())
        if name == "department":
            raise MappingError(_("Departments come from the set-up file; map unknown names to a department instead."))
        choices.add_missing.add(name)
    return choices


def vocabulary(name: str, text: str, choices: Choices) -> str | None:
    """The dictionary name a cell's word stands for (mapped first, then name or alias), or None."""
    target = choices.target(name, text) or text
    entry = dictionaries.find(FIELD_KINDS[name], target)
    return entry.name if entry is not None else None


def department_keys(name: str, region_names: list[str]) -> set[str]:
    """The keys a department is found by: its name, its name without a region prefix, and that name's aliases."""
    full = key(name)
    keys = {full}
    for region_name in region_names:
        prefix = key(region_name)
        if full.startswith(prefix) and len(full) > len(prefix):
            keys.add(full[len(prefix) :])
    for short in list(keys):
        entry = dictionaries.find("department", short, active_only=False)
        if entry is not None:
            keys.update(key(w) for w in entry.words)
    return keys


def add_missing(rows: list[SheetRow], choices: Choices, user: User | None) -> list[tuple[str, str]]:
    """Add every distinct value to be added (choices.adds) that no entry names; (column, value) added."""
    added: list[tuple[str, str]] = []
    for name in sorted(choices.add_missing | set(choices.add_values)):
        seen: Counter[str] = Counter()
        for row in rows:
            text = cell_text(row.values.get(name))
            if text and choices.adds(name, text) and vocabulary(name, text, choices) is None and key(text) not in seen:
                seen[key(text)] += 1
                dictionaries.add_entry(FIELD_KINDS[name], text, user)
                added.append((COLUMNS[name], text))
    return added
