"""The import workbook: its columns, reading it safely, and parsing its cells (no database here).

Headers match tolerant of full/half-width brackets and spaces; a number cell is read at Excel's
precision (15 significant digits), so binary noise such as 0.30000000000000004 reads as 0.3; amounts
are 万元 with at most four decimals, 0 to 1e11. Problems are (Excel row, column header, message).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from ..orgs.models import Region

COLUMNS = {
    "name": "项目名称",
    "unit": "项目单位",
    "level": "项目级次",
    "region": "项目地区",
    "category": "项目类别",
    "department": "主管部门",
    "planned": "计划投资（万元）",
    "cumulative": "累计投资（万元）",
    "years": "建设年限",
    "code": "项目代码",
    "investment_policy": "投资政策",
    "industry_type": "行业类型",
    "construction_mode": "建设方式",
    "investment_mode": "投资方式",
    "management_status": "管理状态",
}
REQUIRED = ("name", "unit", "level", "region", "category", "department", "planned", "cumulative", "years")
OPTIONAL_VOCABULARIES = (
    "investment_policy",
    "industry_type",
    "construction_mode",
    "investment_mode",
    "management_status",
)
STATE_HEADER = "状态"  # written by the export, ignored by the import
EXAMPLE_MARK = "【示例】"

MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed of one large member: more is a zip bomb, not a spreadsheet
MAX_COLUMNS = 60
MAX_AMOUNT = Decimal("100000000000")
FOUR_PLACES = Decimal("0.0001")
MONEY_FORMAT = "#,##0.0000"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_YEARS = re.compile(r"^(\d{4})年?(?:(?:-|–|—|~|至|到)+(\d{4})年?)?$")


@dataclass(frozen=True)
class RowProblem:
    """One problem: the row as Excel numbers it (0: the file itself), the column header, a message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        return f"第{self.row}行 {self.column}: {self.message}" if self.column else f"第{self.row}行: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did; nothing was written when `errors` is not empty."""

    sha256: str = ""
    dry_run: bool = False
    rows: int = 0
    imported: int = 0
    examples_skipped: int = 0
    units_created: list[str] = field(default_factory=list)
    codes_allocated: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    # column header -> {value as written: rows}: words no dictionary entry or department names
    unmatched: dict[str, dict[str, int]] = field(default_factory=dict)
    added: list[tuple[str, str]] = field(default_factory=list)  # (column, value) added to a dictionary

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unmatched

    def not_matched(self, column: str, value: str) -> None:
        counts = self.unmatched.setdefault(column, {})
        counts[value] = counts.get(value, 0) + 1


class CellError(ValueError):
    """A cell that does not parse; the message is for the user."""


def key(text: str) -> str:
    """Compare names and headers ignoring width (（ vs (), case of Latin letters and every space."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


HEADER_KEYS = {key(header): name for name, header in COLUMNS.items()}
HEADER_KEYS.update({key(header.split("（")[0]): name for name, header in COLUMNS.items() if "（" in header})
# the other headers bureaus' own sheets use for the same columns (with or without （万元） as well)
HEADER_VARIANTS = {
    "unit": ("建设单位", "项目业主", "项目法人单位", "业主单位"),
    "level": ("级次", "项目层级", "层级"),
    "region": ("所属地区", "地区", "所在地区", "项目所在地"),
    "category": ("项目类型", "类别"),
    "department": ("主管单位", "行业主管部门", "项目主管部门", "主管部门（单位）"),
    "planned": ("计划总投资", "总投资", "计划投资额"),
    "cumulative": ("累计完成投资", "累计完成", "已完成投资"),
    "years": ("建设起止年限", "建设期限", "起止年限"),
    "code": ("项目编码", "项目统一代码"),
}
for _name, _headers in HEADER_VARIANTS.items():
    for _header in _headers:
        HEADER_KEYS.setdefault(key(_header), _name)
        HEADER_KEYS.setdefault(key(_header + "（万元）"), _name)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value).strip()


def amount(value: Any) -> Decimal | None:
    """An amount in 万元: empty is None; refuse what is not a number, negative, too large or too precise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (bool, datetime, date)):
        raise CellError(_("Enter an amount in 10k yuan (a number)."))
    if isinstance(value, float):
        text = format(value, ".15g")  # Excel keeps 15 significant digits; the rest is binary noise
    else:
        text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
    try:
        parsed = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Enter an amount in 10k yuan (a number).")) from None
    if not parsed.is_finite() or parsed < 0 or parsed > MAX_AMOUNT:
        raise CellError(_("Enter an amount between 0 and %(max)s (10k yuan).", max="100,000,000,000"))
    if parsed != parsed.quantize(FOUR_PLACES):
        raise CellError(_("At most four decimal places (10k yuan)."))
    return parsed.quantize(FOUR_PLACES)


def years(value: Any) -> tuple[int, int]:
    """建设年限: "2026-2028", "2026年-2028年" or one year."""
    if isinstance(value, (datetime, date, bool)):
        raise CellError(_("Enter the construction years as 2026-2028 or 2026."))
    m = _YEARS.match("".join(unicodedata.normalize("NFKC", cell_text(value)).split()))
    if m is None:
        raise CellError(_("Enter the construction years as 2026-2028 or 2026."))
    start = int(m.group(1))
    end = int(m.group(2) or start)
    if not (1990 <= start <= 2100 and 1990 <= end <= 2100):
        raise CellError(_("Enter a year between 1990 and 2100."))
    if end < start:
        raise CellError(_("The last year cannot be before the first."))
    return start, end


# --------------------------------------------------------------------------- reading the workbook


def refuse_unsafe(data: bytes) -> str | None:
    """Why the bytes are not a workbook we open, or None."""
    if not data:
        return _("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        return _("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _("An old-format .xls file: open it in Excel and save it as an .xlsx workbook.")
    if data[:4] != b"PK\x03\x04":
        return _("Not an Excel workbook (.xlsx). Save the file as an Excel workbook and try again.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return _("Not an Excel workbook (.xlsx). Save the file as an Excel workbook and try again.")
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names or len(members) > 2000:
        return _("Not an Excel workbook (.xlsx). Save the file as an Excel workbook and try again.")
    unpacked = sum(m.file_size for m in members)
    bomb = any(m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
    if unpacked > MAX_UNPACKED_BYTES or bomb:
        return _("The workbook unpacks to far more than its size; it is refused.")
    return None


def _sheet_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows (values, formulas' cached results), at most MAX_COLUMNS wide."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        yield from book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
    finally:
        book.close()


@dataclass
class SheetRow:
    number: int
    values: dict[str, Any]
    name: str = ""
    unit: str = ""
    unit_id: int | None = None
    region: Region | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    code: str = ""


def read_rows(data: bytes, report: ImportReport) -> list[SheetRow]:
    """The header and the non-blank data rows; file and header problems go to the report."""
    reason = refuse_unsafe(data)
    if reason:
        report.errors.append(RowProblem(0, "", reason))
        return []
    rows: list[SheetRow] = []
    columns: dict[int, str] = {}
    header_row = 0
    try:
        for number, values in enumerate(_sheet_rows(data), start=1):
            if not header_row:
                if number > 10:
                    break
                keys = [key(cell_text(v)) for v in values]
                if key(COLUMNS["name"]) in keys:
                    header_row = number
                    columns = _header(number, values, report)
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                report.errors.append(RowProblem(0, "", _("More than %(n)s rows; split the file.", n=MAX_ROWS)))
                return []
            rows.append(SheetRow(number, {name: values[i] for i, name in columns.items() if i < len(values)}))
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        report.errors.append(
            RowProblem(0, "", _("The workbook could not be read: %(reason)s", reason=type(exc).__name__))
        )
        return []
    if not header_row:
        report.errors.append(
            RowProblem(0, "", _("No header row: the first rows must name the columns, e.g. 项目名称."))
        )
    return rows


def _header(number: int, values: tuple[Any, ...], report: ImportReport) -> dict[int, str]:
    columns: dict[int, str] = {}
    for i, value in enumerate(values):
        text = cell_text(value)
        if not text:
            continue
        name = HEADER_KEYS.get(key(text))
        if name is None:
            if key(text) != key(STATE_HEADER):
                report.warnings.append(RowProblem(number, text, _("Unknown column; it was ignored.")))
        elif name in columns.values():
            report.errors.append(RowProblem(number, COLUMNS[name], _("This column appears twice.")))
        else:
            columns[i] = name
    for name in REQUIRED:
        if name not in columns.values():
            report.errors.append(RowProblem(number, COLUMNS[name], _("Missing column.")))
    return columns
