"""One guard for every spreadsheet the platform writes: text that a spreadsheet would run as a formula.

A cell whose text starts with = + - @ (or a tab or line break before one) is read by Excel, WPS and
LibreOffice as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`). Names of projects, units and
report labels come from users, so every writer passes its cells through here: in xlsx the cell is
stored as text (what it shows is unchanged); in CSV, which has no types, a leading apostrophe keeps
it text, as spreadsheets expect. Numbers (also negative amounts) stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# a written-out number ("-12.5000", "+3", "-7%") is read as a number, never run: it stays as it is
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?%?")


def looks_like_formula(value: Any) -> bool:
    """Whether a spreadsheet would take this value for a formula (only text can be)."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value)


def csv_cell(value: Any) -> Any:
    """A value for a CSV row: formula-like text gets a leading apostrophe, everything else as it is."""
    return "'" + value if looks_like_formula(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A whole CSV row through `csv_cell`."""
    return [csv_cell(v) for v in values]


def guard_sheet(sheet: Any) -> None:
    """Store the formula-like text of every cell of a (normal) sheet as text; call it once it is filled."""
    guard_cells(cell for row in sheet.iter_rows() for cell in row)


def guard_cells(cells: Iterable[Any]) -> None:
    """Store formula-like text of openpyxl cells as text (for sheets filled with `append`)."""
    for cell in cells:
        if looks_like_formula(cell.value):
            cell.data_type = "s"


def write_only_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet: formula-like text as text cells, other values unchanged."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if looks_like_formula(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
