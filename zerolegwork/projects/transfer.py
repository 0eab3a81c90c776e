"""Open the project library from an Excel workbook, export any project list to one, and the template.

Import rules (the file speaks Chinese; headers match tolerant of full/half-width brackets and spaces):
- every row is checked and every problem is kept as (Excel row, column header, message); a file with
  any problem writes nothing; a clean file is written in the caller's one transaction, with lookups
  resolved once, units and projects inserted in bulk and codes allocated per year and region at once;
- amounts are 万元 with at most four decimals, 0 to 1e11; a number cell is read at Excel's precision
  (15 significant digits), so binary noise such as 0.30000000000000004 reads as 0.3;
- 累计投资 above 计划投资 is a warning, not an error: projects overrun their estimate, and the existing
  library must come over as it is;
- a project of the same name for the same unit already in the library is an error (importing a file
  twice is the likely mistake); given codes must be valid and unique, and the code counter is raised
  past them so codes allocated later never collide;
- a unit not registered yet is created as an unregistered unit in the region of its first project;
- a row whose 项目名称 starts with 【示例】 (the template's example) is skipped.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, OrgLevel, OrgState, Region, User
from . import codes
from .classification import CATEGORIES, INDUSTRY_CODES, LEVELS, VOCABULARIES
from .models import Project, ProjectState

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
LEVEL_OF = {"市本级": OrgLevel.CITY, "旗县区": OrgLevel.DISTRICT}
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


class ImportNotAllowedError(Exception):
    """Only region administrators import projects."""


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

    @property
    def ok(self) -> bool:
        return not self.errors


class _CellError(ValueError):
    """A cell that does not parse; the message is for the user."""


def _key(text: str) -> str:
    """Compare names and headers ignoring width (（ vs (), case of Latin letters and every space."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


HEADER_KEYS = {_key(header): name for name, header in COLUMNS.items()}
HEADER_KEYS.update({_key(header.split("（")[0]): name for name, header in COLUMNS.items() if "（" in header})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value).strip()


def _amount(value: Any) -> Decimal | None:
    """An amount in 万元: empty is None; refuse what is not a number, negative, too large or too precise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (bool, datetime, date)):
        raise _CellError(_("Enter an amount in 10k yuan (a number)."))
    if isinstance(value, float):
        text = format(value, ".15g")  # Excel keeps 15 significant digits; the rest is binary noise
    else:
        text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _CellError(_("Enter an amount in 10k yuan (a number).")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise _CellError(_("Enter an amount between 0 and %(max)s (10k yuan).", max="100,000,000,000"))
    if amount != amount.quantize(FOUR_PLACES):
        raise _CellError(_("At most four decimal places (10k yuan)."))
    return amount.quantize(FOUR_PLACES)


def _years(value: Any) -> tuple[int, int]:
    """建设年限: "2026-2028", "2026年-2028年" or one year."""
    if isinstance(value, (datetime, date, bool)):
        raise _CellError(_("Enter the construction years as 2026-2028 or 2026."))
    m = _YEARS.match("".join(unicodedata.normalize("NFKC", _text(value)).split()))
    if m is None:
        raise _CellError(_("Enter the construction years as 2026-2028 or 2026."))
    start = int(m.group(1))
    end = int(m.group(2) or start)
    if not (1990 <= start <= 2100 and 1990 <= end <= 2100):
        raise _CellError(_("Enter a year between 1990 and 2100."))
    if end < start:
        raise _CellError(_("The last year cannot be before the first."))
    return start, end


# --------------------------------------------------------------------------- reading the workbook


def _refuse_unsafe(data: bytes) -> str | None:
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
class _Row:
    number: int
    values: dict[str, Any]
    name: str = ""
    unit: str = ""
    unit_id: int | None = None
    region: Region | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    code: str = ""


def _read(data: bytes, report: ImportReport) -> list[_Row]:
    """The header and the non-blank data rows; file and header problems go to the report."""
    reason = _refuse_unsafe(data)
    if reason:
        report.errors.append(RowProblem(0, "", reason))
        return []
    rows: list[_Row] = []
    columns: dict[int, str] = {}
    header_row = 0
    try:
        for number, values in enumerate(_sheet_rows(data), start=1):
            if not header_row:
                if number > 10:
                    break
                keys = [_key(_text(v)) for v in values]
                if _key(COLUMNS["name"]) in keys:
                    header_row = number
                    columns = _header(number, values, report)
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                report.errors.append(RowProblem(0, "", _("More than %(n)s rows; split the file.", n=MAX_ROWS)))
                return []
            rows.append(_Row(number, {name: values[i] for i, name in columns.items() if i < len(values)}))
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
        text = _text(value)
        if not text:
            continue
        name = HEADER_KEYS.get(_key(text))
        if name is None:
            if _key(text) != _key(STATE_HEADER):
                report.warnings.append(RowProblem(number, text, _("Unknown column; it was ignored.")))
        elif name in columns.values():
            report.errors.append(RowProblem(number, COLUMNS[name], _("This column appears twice.")))
        else:
            columns[i] = name
    for name in REQUIRED:
        if name not in columns.values():
            report.errors.append(RowProblem(number, COLUMNS[name], _("Missing column.")))
    return columns


# --------------------------------------------------------------------------- checking rows


class _Lookups:
    """Regions, departments and organisations by name, read once per import."""

    def __init__(self) -> None:
        self.regions = {_key(r.name): r for r in db.session.scalars(select(Region))}
        self.city = next((r for r in self.regions.values() if r.level == OrgLevel.CITY), None)
        self.departments: dict[tuple[int, str], int] = {}
        self.orgs: dict[str, list[tuple[int, str, int, str]]] = defaultdict(list)
        rows = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind, Organisation.region_id, Organisation.state)
        )
        for org_id, name, kind, region_id, state in rows:
            self.orgs[_key(name)].append((org_id, kind, region_id, state))
            if kind == OrgKind.DEPARTMENT and state == OrgState.ACTIVE:
                self.departments.setdefault((region_id, _key(name)), org_id)

    def department(self, name: str, region: Region | None) -> int | None:
        """A management department of this name in the project's region, else at city level."""
        for region_id in (region.id if region else None, self.city.id if self.city else None):
            if region_id is not None and (region_id, _key(name)) in self.departments:
                return self.departments[(region_id, _key(name))]
        if region is None:  # the region is wrong already: only a name known nowhere is a second error
            return next((v for (_r, k), v in self.departments.items() if k == _key(name)), None)
        return None

    def unit(self, name: str, region: Region) -> int | None:
        """The unit of this name (active first, then in the project's region); None when there is none.

        Raises _CellError when the name belongs only to a department or agency.
        """
        found = self.orgs.get(_key(name), [])
        units = [o for o in found if o[1] == OrgKind.UNIT]
        if found and not units:
            raise _CellError(_("This name belongs to a management department or an agency, not a project unit."))
        if not units:
            return None
        units.sort(key=lambda o: (o[3] != OrgState.ACTIVE, o[2] != region.id, o[0]))
        return units[0][0]


def _check_row(row: _Row, look: _Lookups, own_region: int | None, has_code: bool, report: ImportReport) -> None:
    problems: list[RowProblem] = []

    def bad(name: str, message: str) -> None:
        problems.append(RowProblem(row.number, COLUMNS[name], message))

    def required(name: str, limit: int = 200) -> str:
        text = _text(row.values.get(name))
        if not text:
            bad(name, _("This field is required."))
        elif len(text) > limit:
            bad(name, _("At most %(n)s characters.", n=limit))
            return ""
        return text

    def one_of(name: str, words: tuple[str, ...], text: str) -> str | None:
        if text and text not in words:
            bad(name, _("Enter one of: %(values)s.", values="、".join(words)))
            return None
        return text or None

    row.name = required("name")
    row.unit = required("unit")
    level = one_of("level", LEVELS, required("level"))
    region_name = required("region")
    region = look.regions.get(_key(region_name)) if region_name else None
    if region_name and region is None:
        names = "、".join(r.name for r in sorted(look.regions.values(), key=lambda r: r.sort_order))
        bad("region", _("Unknown region; enter one of: %(values)s.", values=names))
    if region is not None and level and LEVEL_OF[level] != region.level:
        bad("level", _("%(level)s does not match the region %(region)s.", level=level, region=region.name))
    if region is not None and own_region is not None and region.id != own_region:
        bad("region", _("You may import projects of your own region only."))
    row.region = region
    category = one_of("category", CATEGORIES, _key(required("category", 50)))
    department_name = required("department")
    department = look.department(department_name, region) if department_name else None
    if department_name and department is None:
        bad("department", _("No management department of this name in the project's region or at city level."))
    amounts: dict[str, Decimal | None] = {}
    for name in ("planned", "cumulative"):
        try:
            amounts[name] = _amount(row.values.get(name))
        except _CellError as exc:
            bad(name, str(exc))
            amounts[name] = Decimal(-1)
    planned, cumulative = amounts["planned"], amounts["cumulative"]
    if planned is None:
        bad("planned", _("This field is required."))
    elif planned == 0:
        bad("planned", _("The planned investment must be more than zero."))
    if planned and cumulative and planned > 0 and cumulative > planned:
        report.warnings.append(
            RowProblem(row.number, COLUMNS["cumulative"], _("More than the planned investment; imported as it is."))
        )
    start = end = None
    if not _text(row.values.get("years")):
        bad("years", _("This field is required."))
    else:
        try:
            start, end = _years(row.values.get("years"))
        except _CellError as exc:
            bad("years", str(exc))
    vocab = {
        name: one_of(name, VOCABULARIES[name], _key(_text(row.values.get(name)))) for name in OPTIONAL_VOCABULARIES
    }
    vocab["management_status"] = vocab["management_status"] or "储备"
    if has_code:
        row.code = _key(_text(row.values.get("code"))).upper()
        if row.code and not codes.is_valid(row.code):
            bad("code", _("Not a valid project code (like 2026-150200-48-01-00001X, check character included)."))
    if row.unit and region is not None:
        try:
            row.unit_id = look.unit(row.unit, region)
        except _CellError as exc:
            bad("unit", str(exc))
    report.errors.extend(problems)
    if not problems:
        assert region is not None and planned is not None
        row.fields = dict(
            name=row.name,
            region_id=region.id,
            level=region.level,
            competent_department_id=department,
            category=category,
            planned_investment=planned,
            cumulative_investment=cumulative or Decimal("0.0000"),
            start_year=start,
            end_year=end,
            **vocab,
        )


def _check_across(rows: list[_Row], report: ImportReport) -> None:
    """Codes unique in the file and the library; a unit's project not already in the library."""
    first_code: dict[str, int] = {}
    first_project: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.code:
            if row.code in first_code:
                message = _("The same project code is in row %(row)s.", row=first_code[row.code])
                report.errors.append(RowProblem(row.number, COLUMNS["code"], message))
            first_code.setdefault(row.code, row.number)
        pair = (_key(row.name), _key(row.unit))
        if row.name and row.unit:
            if pair in first_project:
                message = _("The same project of the same unit is in row %(row)s.", row=first_project[pair])
                report.warnings.append(RowProblem(row.number, COLUMNS["name"], message))
            first_project.setdefault(pair, row.number)
    taken = set()
    given = list(first_code)
    for i in range(0, len(given), 5000):
        taken.update(db.session.scalars(select(Project.code).where(Project.code.in_(given[i : i + 5000]))))
    known = [row for row in rows if row.unit_id is not None]
    names = sorted({row.name for row in known})
    existing: dict[tuple[str, int], str] = {}
    for i in range(0, len(names), 5000):
        stmt = select(Project.name, Project.unit_id, Project.code).where(Project.name.in_(names[i : i + 5000]))
        existing.update({(name, unit_id): code for name, unit_id, code in db.session.execute(stmt)})
    for row in rows:
        if row.code in taken:
            report.errors.append(
                RowProblem(row.number, COLUMNS["code"], _("This project code is already in the library."))
            )
        if (row.name, row.unit_id) in existing:
            message = _(
                "The library already has this unit's project of this name (%(code)s); was the file imported before?",
                code=existing[(row.name, row.unit_id)],
            )
            report.errors.append(RowProblem(row.number, COLUMNS["name"], message))


# --------------------------------------------------------------------------- the import


def import_projects(data: bytes, user: User | None = None, dry_run: bool = False, filename: str = "") -> ImportReport:
    """Check a workbook and, when every row is good and not `dry_run`, add its projects (flush only).

    `user` None is the command line (the operator); a user must be a region administrator, and a
    district's administrator imports projects of that district only.
    """
    own_region = None
    if user is not None:
        if not user.is_region_admin:
            raise ImportNotAllowedError(user.username)
        if user.org.region.level != OrgLevel.CITY:
            own_region = user.org.region_id
    report = ImportReport(sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    rows = _read(data, report)
    if report.errors:
        return report
    has_code = any("code" in row.values for row in rows)
    look = _Lookups()
    wanted = []
    for row in rows:
        if _text(row.values.get("name")).startswith(EXAMPLE_MARK):
            report.examples_skipped += 1
            continue
        _check_row(row, look, own_region, has_code, report)
        wanted.append(row)
    report.rows = len(wanted)
    if not wanted:
        report.errors.append(RowProblem(0, "", _("The file has no project rows below the header.")))
    report.errors.sort(key=lambda p: p.row)
    _check_across(wanted, report)
    report.errors.sort(key=lambda p: p.row)
    report.warnings.sort(key=lambda p: p.row)
    new_units = _new_units(wanted)
    report.units_created = [name for name, _region in new_units.values()]
    report.codes_allocated = sum(1 for row in wanted if not row.code)
    if report.errors or dry_run or not wanted:
        return report
    _write(wanted, new_units, report)
    audit.record(
        "project.import",
        "import",
        report.sha256,
        user.id if user is not None else None,
        sha256=report.sha256,
        filename=filename[:200],
        rows=report.rows,
        imported=report.imported,
        units_created=len(report.units_created),
        unit_names=report.units_created[:100],
        codes_allocated=report.codes_allocated,
        warnings=len(report.warnings),
    )
    return report


def _new_units(rows: list[_Row]) -> dict[str, tuple[str, int]]:
    """Names not registered yet -> (name as first written, region of its first project)."""
    new: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.unit_id is None and row.region is not None:
            new.setdefault(_key(row.unit), (row.unit, row.region.id))
    return new


def _write(rows: list[_Row], new_units: dict[str, tuple[str, int]], report: ImportReport) -> None:
    now = utcnow()
    if new_units:
        # codes made here, so the rows go in as one executemany and their ids come back in one SELECT
        made = {key: f"unreg-{uuid.uuid4().hex[:16]}" for key in new_units}
        db.session.execute(
            insert(Organisation),
            [
                {
                    "code": made[key],
                    "name": name,
                    "kind": OrgKind.UNIT,
                    "region_id": region_id,
                    "state": OrgState.UNREGISTERED,
                    "service_types": [],
                    "require_totp": False,
                    "created_at": now,
                }
                for key, (name, region_id) in new_units.items()
            ],
        )
        ids: dict[str, int] = {}
        made_codes = list(made.values())
        for i in range(0, len(made_codes), 5000):
            stmt = select(Organisation.code, Organisation.id).where(Organisation.code.in_(made_codes[i : i + 5000]))
            ids.update({code: org_id for code, org_id in db.session.execute(stmt)})
        for row in rows:
            if row.unit_id is None:
                row.unit_id = ids[made[_key(row.unit)]]
    highest: dict[tuple[int, str], int] = {}
    for row in rows:
        found = codes.parts(row.code) if row.code else None
        if found:
            year, region_code, serial = found
            highest[(year, region_code)] = max(serial, highest.get((year, region_code), 0))
    region_codes = {r.id: r.code for r in db.session.scalars(select(Region))}
    waiting: dict[tuple[int, str], list[_Row]] = defaultdict(list)
    for row in rows:
        if not row.code:
            year = row.fields["start_year"] or date.today().year
            waiting[(year, region_codes[row.fields["region_id"]])].append(row)
    codes.ensure_counters(set(highest) | set(waiting))
    for (year, region_code), serial in sorted(highest.items()):
        codes.reserve_through(year, region_code, serial)
    for (year, region_code), group in sorted(waiting.items()):
        industries = [INDUSTRY_CODES.get(row.fields["industry_type"] or "其他", "99") for row in group]
        for row, code in zip(group, codes.allocate_many(year, region_code, industries), strict=True):
            row.code = code
    db.session.execute(
        insert(Project),
        [
            {**row.fields, "code": row.code, "unit_id": row.unit_id, "state": ProjectState.DRAFT, "created_at": now}
            for row in rows
        ],
    )
    report.imported = len(rows)


# --------------------------------------------------------------------------- export and template
