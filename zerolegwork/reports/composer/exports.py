"""A report as xlsx or csv carrying its definition, as-of time and checksum; reading an export back to verify it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...audit import services as audit
from ...exports import csv_row, guard_sheet
from ...orgs.models import User
from .catalog import DIMENSIONS, MEASURES
from .definitions import Definition
from .errors import ExportUnreadableError
from .table import ReportTable, build, plain

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _meta(table: ReportTable) -> list[tuple[str, str]]:
    """What every export carries besides the table: definition, labels, filters, as-of time, checksum."""
    d = table.definition
    by_source = d.by_source
    dims = "，".join(f"{DIMENSIONS[x].zh}({x})" for x in d.dims)
    measures = "，".join(f"{MEASURES[x].label(by_source)}({x})" for x in d.measures)
    filters = "，".join(f"{k}={v}" for k, v in d.filters) or "无"
    return [
        ("报表", "自组报表（零跑腿）"),
        ("行标题", dims),
        ("列标题", measures),
        ("筛选条件", filters),
        ("数据时点（UTC）", table.as_of_text),
        ("数据时点（北京时间）", table.as_of_local),
        ("单位", "万元"),
        ("定义", json.dumps(d.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))),
        ("校验码（sha256）", table.checksum),
        (
            "复现说明",
            "以相同定义和数据时点重新生成（自组报表页面或 composer.build），校验码相同即数字相同；"
            "只计数据时点及以前创建的项目和记录；项目本身的字段（分类、计划/累计投资、状态）取当前值，"
            "其后若有修改，校验码会不同。按运行者本人的可见范围统计。",
        ),
    ]


def _display(value: Any) -> Any:
    return "" if value is None else value


def to_csv(table: ReportTable) -> bytes:
    """The table as CSV (UTF-8 with BOM): meta lines `#key,value`, a blank line, header, rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for key, value in _meta(table):
        writer.writerow(csv_row(["#" + key, value]))
    writer.writerow([])
    writer.writerow(table.header())
    for row in table.rows:
        writer.writerow(csv_row(table.cells(row)) + [plain(_display(v)) for v in row.values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: ReportTable) -> bytes:
    """The table as an Excel workbook: sheet 报表 (meta lines, header, rows; subtotals bold), sheet 定义."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "报表"
    bold = Font(bold=True)
    meta = _meta(table)
    sheet.append(["自组报表"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"数据时点：{table.as_of_local}（北京时间）  单位：万元  校验码：{table.checksum}"])
    sheet.append([])
    sheet.append(table.header())
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    width = len(table.dimensions)
    for row in table.rows:
        sheet.append(list(table.cells(row)) + [_display(v) for v in row.values])
        cells = sheet[sheet.max_row]
        for measure, cell in zip(table.measures, cells[width:], strict=True):
            if measure.kind == "money":
                cell.number_format = "#,##0.0000"
            elif measure.kind == "score":
                cell.number_format = "0.00"
        if row.kind != "row":
            for cell in cells:
                cell.font = bold
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=width + 1)
    guard_sheet(sheet)
    for i in range(1, width + len(table.measures) + 1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=i).column_letter].width = 18
    info = book.create_sheet("定义")
    for key, value in meta:
        info.append([key, value])
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(user: User, table: ReportTable, fmt: str) -> bytes:
    """The table as `xlsx` or `csv`; the export is audited with its checksum (flush only)."""
    data = to_xlsx(table) if fmt == "xlsx" else to_csv(table)
    audit.record(
        "report.export",
        "report",
        "composed",
        user.id,
        format=fmt,
        definition=table.definition.to_json(),
        as_of=table.as_of_text,
        checksum=table.checksum,
    )
    return data


def read_export(data: bytes) -> tuple[Definition, datetime, str]:
    """The definition, as-of time and checksum an export carries (csv or xlsx)."""
    meta: dict[str, str] = {}
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True)
            sheet = book["定义"]
            meta = {str(a): str(b) for a, b, *_rest in sheet.iter_rows(values_only=True) if a is not None}
        except Exception:  # openpyxl raises many kinds on a damaged or foreign file
            raise ExportUnreadableError() from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ExportUnreadableError() from None
        for line in csv.reader(io.StringIO(text)):
            if not line:
                break
            if line[0].startswith("#") and len(line) > 1:
                meta[line[0][1:]] = line[1]
    try:
        definition = Definition.parse(json.loads(meta["定义"]))
        as_of = datetime.fromisoformat(meta["数据时点（UTC）"])
        digest = meta["校验码（sha256）"]
    except (KeyError, ValueError, TypeError):
        raise ExportUnreadableError() from None
    if as_of.tzinfo is None:
        raise ExportUnreadableError()
    return definition, as_of, digest


@dataclass(frozen=True)
class Verification:
    """The outcome of re-running an export: whether the numbers are the same, and both checksums."""

    ok: bool
    carried: str
    recomputed: str
    definition: Definition
    as_of: datetime


def verify_export(user: User, data: bytes) -> Verification:
    """Re-run the definition an export carries, as of its time, for `user`; compare the checksums."""
    definition, as_of, carried = read_export(data)
    recomputed = build(user, definition, as_of).checksum
    return Verification(recomputed == carried, carried, recomputed, definition, as_of)
