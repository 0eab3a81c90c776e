"""Reading a set-up workbook (.xlsx): sheets 地区, 部门 and 平台 say what a set-up YAML file says.

The workbook is turned into the YAML file's document and checked by the same rules
(setupfile.check_document); a message names the sheet, the row and the column.
"""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _

from ..projects.sheet import refuse_unsafe  # the project import's size and zip-bomb checks
from .setupfile import Path, Problem, SetupError, Spec, check_document, dotted

REGIONS, DEPARTMENTS, PLATFORM = "地区", "部门", "平台"
REGION_COLUMNS = {"代码": "code", "名称": "name", "上级代码": "parent", "层级": "level", "本级名称": "own_name"}
DEPARTMENT_COLUMNS = {"层级": "level", "类型": "type", "名称": "name"}
PLATFORM_ROWS = {
    "平台代码": ("platform", "code"),
    "平台名称": ("platform", "name"),
    "管理员用户名": ("administrator", "username"),
    "管理员姓名": ("administrator", "display_name"),
}
LEVEL_WORDS = {"省": "province", "自治区": "province", "市": "city", "盟市": "city", "区县": "district",
               "旗县区": "district"}  # fmt: skip
MAX_ROWS = 5000


def _rows(book: Any, name: str) -> list[tuple[int, tuple[Any, ...]]]:
    sheet = book[name]
    rows = []
    for number, values in enumerate(sheet.iter_rows(max_col=10, values_only=True), 1):
        if number > MAX_ROWS:
            break
        if any(v not in (None, "") for v in values):
            rows.append((number, tuple(v.strip() if isinstance(v, str) else v for v in values)))
    return rows


def _table(book: Any, name: str, columns: dict[str, str], problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    """A sheet's rows below its header, as {key: value}; unknown or missing headers are problems."""
    rows = _rows(book, name)
    if not rows:
        return []
    header_line, header = rows[0]
    keys = {}
    for i, title in enumerate(header):
        if title in (None, ""):
            continue
        if title not in columns:
            allowed = "、".join(columns)
            problems.append(
                Problem(header_line, f"{name} {title}", _("Unknown column; allowed: %(keys)s.", keys=allowed))
            )
        else:
            keys[i] = columns[title]
    result = []
    for number, values in rows[1:]:
        item = {keys[i]: v for i, v in enumerate(values) if i in keys and v not in (None, "")}
        result.append((number, item))
    return result


def read_workbook(data: bytes) -> Spec:
    """Check a set-up workbook; raise SetupError listing every problem (sheet, row, column, reason)."""
    refused = refuse_unsafe(data)
    if refused:
        raise SetupError([Problem(1, "", refused)])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise SetupError(
            [Problem(1, "", _("Not an Excel workbook (.xlsx). Save the file as an Excel workbook and try again."))]
        ) from None
    problems: list[Problem] = []
    for name in book.sheetnames:
        if name not in (REGIONS, DEPARTMENTS, PLATFORM):
            allowed = "、".join((REGIONS, DEPARTMENTS, PLATFORM))
            problems.append(Problem(1, name, _("Unknown sheet; allowed: %(keys)s.", keys=allowed)))
    doc: dict[str, Any] = {}
    lines: dict[Path, int] = {}
    labels: dict[Path, str] = {}
    if REGIONS in book.sheetnames:
        doc["regions"] = []
        lines[("regions",)] = 1
        for i, (number, item) in enumerate(_table(book, REGIONS, REGION_COLUMNS, problems)):
            if "level" in item:
                item["level"] = LEVEL_WORDS.get(str(item["level"]), item["level"])
            doc["regions"].append(item)
            lines[("regions", i)] = number
            labels[("regions", i)] = REGIONS
    if DEPARTMENTS in book.sheetnames:
        doc["departments"] = {}
        lines[("departments",)] = 1
        for number, item in _table(book, DEPARTMENTS, DEPARTMENT_COLUMNS, problems):
            level = str(item.pop("level", ""))
            level = LEVEL_WORDS.get(level, level)
            items = doc["departments"].setdefault(level, [])
            lines.setdefault(("departments", level), number)
            labels[("departments", level)] = f"{DEPARTMENTS} 层级"
            lines[("departments", level, len(items))] = number
            labels[("departments", level, len(items))] = DEPARTMENTS
            items.append(item)
    if PLATFORM in book.sheetnames:
        for number, values in _rows(book, PLATFORM):
            where = PLATFORM_ROWS.get(str(values[0]))
            if where is None:
                allowed = "、".join(PLATFORM_ROWS)
                problems.append(
                    Problem(number, f"{PLATFORM} {values[0]}", _("Unknown row; allowed: %(keys)s.", keys=allowed))
                )
                continue
            doc.setdefault(where[0], {})[where[1]] = values[1] if len(values) > 1 else None
            lines[where] = lines[where[:1]] = number
            labels[where] = f"{PLATFORM} {values[0]}"
    if problems:
        raise SetupError(problems)
    columns = {**{v: k for k, v in REGION_COLUMNS.items()}, **{v: k for k, v in DEPARTMENT_COLUMNS.items()}}

    def label(path: Path) -> str:
        if path in labels:
            return labels[path]
        if len(path) > 1 and path[:-1] in labels and isinstance(path[-1], str):
            return f"{labels[path[:-1]]} {columns.get(path[-1], path[-1])}"
        return dotted(path)

    return check_document(doc, lines, label)
