"""Workbooks for the import tests, built with openpyxl."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

HEADERS = [
    "项目名称",
    "项目单位",
    "项目级次",
    "项目地区",
    "项目类别",
    "主管部门",
    "计划投资（万元）",
    "累计投资（万元）",
    "建设年限",
]
CITY_HOUSING = "包头市住房和城乡建设局"


def row(i: int = 0, **over: Any) -> dict[str, Any]:
    """One good row (a district project of a new unit), with `over` replacing columns by header."""
    values: dict[str, Any] = {
        "项目名称": f"昆区道路改造工程{i}",
        "项目单位": f"包头市第{i % 40}建设公司",
        "项目级次": "旗县区",
        "项目地区": "昆区",
        "项目类别": "市政道路",
        "主管部门": CITY_HOUSING,
        "计划投资（万元）": 1200.5 + i,
        "累计投资（万元）": 300,
        "建设年限": "2026-2028",
    }
    values.update(over)
    return values


def workbook(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    """An xlsx file: the header row, then one row per dict (missing keys are empty cells)."""
    headers = headers or list(dict.fromkeys([*HEADERS, *(k for r in rows for k in r)]))
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def many(n: int) -> list[dict[str, Any]]:
    return [row(i) for i in range(n)]
