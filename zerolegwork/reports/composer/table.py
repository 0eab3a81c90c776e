"""A built report: rows with subtotals and the total as exact sums of the statement's leaves, and its checksum."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from ...db import utcnow
from ...extensions import db
from ...i18n import SHANGHAI
from ...orgs.models import User
from ...replica import reports_reads
from .catalog import DIMENSIONS, MEASURES, Dimension, Measure, language
from .definitions import Definition, as_of_text
from .statement import statement

CHECKSUM_VERSION = "zlw-composed-report-1"
SUBTOTAL = ("小计", "Subtotal")
TOTAL = ("合计", "Total")


@dataclass
class Row:
    """One row: kind total/subtotal/row, its depth (0 for the total), dimension keys, labels, values."""

    kind: str
    depth: int
    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    values: list[Any]


@dataclass
class ReportTable:
    """A built report: its definition, as-of time, headers, rows (total first, each subtotal before its rows)."""

    definition: Definition
    as_of: datetime
    rows: list[Row] = field(default_factory=list)

    @property
    def dimensions(self) -> list[Dimension]:
        return [DIMENSIONS[d] for d in self.definition.dims]

    @property
    def measures(self) -> list[Measure]:
        return [MEASURES[m] for m in self.definition.measures]

    def header(self) -> list[str]:
        by_source = self.definition.by_source
        return [d.label() for d in self.dimensions] + [m.label(by_source) for m in self.measures]

    @property
    def empty(self) -> bool:
        return len(self.rows) <= 1

    def cells(self, row: Row) -> list[str]:
        """The row's dimension cells as shown: labels down to its depth, 小计/合计 after them."""
        width = len(self.dimensions)
        lang = language()
        if row.kind == "total":
            return [TOTAL[lang]] + [""] * (width - 1)
        out = list(row.labels) + [""] * (width - len(row.labels))
        if row.kind == "subtotal" and len(row.labels) < width:
            out[len(row.labels)] = SUBTOTAL[lang]
        return out

    @property
    def checksum(self) -> str:
        return checksum(self.definition, self.as_of, self.rows)

    @property
    def as_of_text(self) -> str:
        return as_of_text(self.as_of)

    @property
    def as_of_local(self) -> str:
        return self.as_of.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


@reports_reads()
def build(user: User, definition: Definition | Mapping[str, Any], as_of: datetime | None = None) -> ReportTable:
    """Run a definition for a user (the user's own scope) as of a time; one grouped statement plus label look-ups."""
    if not isinstance(definition, Definition):
        definition = Definition.parse(definition)
    as_of = (as_of or utcnow()).astimezone(UTC)
    names = [c for m in definition.measures for c in MEASURES[m].components]
    leaves = []
    for record in db.session.execute(statement(user, definition, as_of)):
        mapping = record._mapping
        keys = tuple(mapping[f"k{i}"] for i in range(len(definition.dims)))
        leaves.append((keys, {n: mapping[n] for n in names}))
    described = [DIMENSIONS[d].describe({keys[i] for keys, _c in leaves}) for i, d in enumerate(definition.dims)]
    leaves.sort(key=lambda leaf: tuple(described[i][k][1] for i, k in enumerate(leaf[0])))
    table = ReportTable(definition, as_of)
    lang = language()

    def values(components: Mapping[str, Any]) -> list[Any]:
        return [MEASURES[m].compute(components) for m in definition.measures]

    def label(depth: int, key: Any) -> str:
        return described[depth][key][0][lang]

    def emit(group: list[tuple[tuple[Any, ...], dict[str, Any]]], depth: int) -> list[Row]:
        rows: list[Row] = []
        for _key, members in groupby(group, key=lambda leaf: leaf[0][depth]):
            members_list = list(members)
            keys = members_list[0][0][: depth + 1]
            labels = tuple(label(i, k) for i, k in enumerate(keys))
            if depth == len(definition.dims) - 1:
                rows.append(Row("row", depth + 1, keys, labels, values(members_list[0][1])))
            else:
                rows.append(Row("subtotal", depth + 1, keys, labels, values(_add(members_list))))
                rows.extend(emit(members_list, depth + 1))
        return rows

    table.rows = [Row("total", 0, (), (), values(_add(leaves))), *emit(leaves, 0)]
    return table


def _add(leaves: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> dict[str, Any]:
    """The exact sums of the leaves' components (Decimal money, int counts)."""
    total: dict[str, Any] = {}
    for _keys, components in leaves:
        for name, value in components.items():
            if value is None:
                continue
            value = value if isinstance(value, int) else Decimal(value)
            total[name] = total.get(name, 0) + value
    return total


def plain(value: Any) -> Any:
    """A value as the checksum and exports write it: money with four places, whole numbers, None."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def checksum(definition: Definition, as_of: datetime, rows: list[Row]) -> str:
    """sha256 of the canonical JSON of definition, as-of time and every row's keys and values (not labels)."""
    body = {
        "version": CHECKSUM_VERSION,
        "definition": definition.to_json(),
        "as_of": as_of_text(as_of),
        "rows": [[r.kind, [None if k is None else str(k) for k in r.keys], [plain(v) for v in r.values]] for r in rows],
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
