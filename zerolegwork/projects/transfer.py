"""Open the project library from an Excel workbook: check every row, then write all or nothing.

Reading the workbook and parsing its cells is projects/sheet.py; the export and template are
projects/workbooks.py. Import rules:
- every row is checked and every problem is kept as (Excel row, column header, message); a file with
  any problem writes nothing; a clean file is written in the caller's one transaction, with lookups
  resolved once, units and projects inserted in bulk and codes allocated per year and region at once;
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
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import insert, select

from ..audit import services as audit
from ..db import utcnow
from ..dictionaries.services import industry_code
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, OrgLevel, OrgState, Region, User
from . import codes, matching
from .levels import LEVEL_OF, level_words, levels_at
from .models import Project, ProjectState
from .sheet import (
    COLUMNS,
    EXAMPLE_MARK,
    OPTIONAL_VOCABULARIES,
    CellError,
    ImportReport,
    RowProblem,
    SheetRow,
    amount,
    cell_text,
    key,
    read_rows,
    years,
)


class ImportNotAllowedError(Exception):
    """Only region administrators import projects."""


class _Lookups:
    """Regions, departments and organisations by name, read once per import."""

    def __init__(self) -> None:
        self.regions = {key(r.name): r for r in db.session.scalars(select(Region))}
        self.by_id = {r.id: r for r in self.regions.values()}
        # a region is also found by its area name (包头市 for the city's own 市本级)
        self.areas = {key(r.area_name): r for r in self.regions.values() if r.area_name}
        self.city = next((r for r in self.regions.values() if r.level == OrgLevel.CITY), None)
        self.level_words = level_words(sorted({r.level for r in self.regions.values()}))
        self.departments: dict[tuple[int, str], int] = {}
        # a department's name starts with its region's name or area name (包头市财政局 of 市本级, 昆区财政局)
        names = {n for r in self.regions.values() for n in (r.name, r.area_name) if n}
        self.region_names = sorted(names, key=len, reverse=True)
        self.orgs: dict[str, list[tuple[int, str, int, str]]] = defaultdict(list)
        rows = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind, Organisation.region_id, Organisation.state)
        )
        for org_id, name, kind, region_id, state in rows:
            self.orgs[key(name)].append((org_id, kind, region_id, state))
            if kind == OrgKind.DEPARTMENT and state == OrgState.ACTIVE:
                for word in matching.department_keys(name, self.region_names):
                    self.departments.setdefault((region_id, word), org_id)

    def department(self, name: str, region: Region | None) -> int | None:
        """A management department of this name in the project's region, else at city level."""
        named = next((r for r in self.region_names if key(name).startswith(key(r)) and key(name) != key(r)), None)
        own = {n for r in (region, self.city) if r is not None for n in (r.name, r.area_name)}
        # 东河区财政局 names 东河区's department: never the project's own district's 财政局
        words = matching.department_keys(name, self.region_names) if named in own or not named else {key(name)}
        for region_id in (region.id if region else None, self.city.id if self.city else None):
            for word in words:
                if region_id is not None and (region_id, word) in self.departments:
                    return self.departments[(region_id, word)]
        if region is None:  # the region is wrong already: only a name known nowhere is a second error
            return next((v for (_r, k), v in self.departments.items() if k in words), None)
        return None

    def unit(self, name: str, region: Region) -> int | None:
        """The unit of this name (active first, then in the project's region); None when there is none.

        Raises CellError when the name belongs only to a department or agency.
        """
        found = self.orgs.get(key(name), [])
        units = [o for o in found if o[1] == OrgKind.UNIT]
        if found and not units:
            raise CellError(_("This name belongs to a management department or an agency, not a project unit."))
        if not units:
            return None
        units.sort(key=lambda o: (o[3] != OrgState.ACTIVE, o[2] != region.id, o[0]))
        return units[0][0]


def _check_row(
    row: SheetRow,
    look: _Lookups,
    own_region: int | None,
    has_code: bool,
    report: ImportReport,
    choices: matching.Choices,
) -> None:
    problems: list[RowProblem] = []
    unmatched = False

    def word(name: str, text: str) -> str | None:
        nonlocal unmatched
        found = matching.vocabulary(name, text, choices) if text else None
        if text and found is None:
            report.not_matched(COLUMNS[name], text)
            unmatched = True
        return found

    def bad(name: str, message: str) -> None:
        problems.append(RowProblem(row.number, COLUMNS[name], message))

    def required(name: str, limit: int = 200) -> str:
        text = cell_text(row.values.get(name))
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
    level = one_of("level", look.level_words, required("level"))
    region_name = required("region")
    region = (look.regions.get(key(region_name)) or look.areas.get(key(region_name))) if region_name else None
    if region_name and region is None:
        names = "、".join(r.name for r in sorted(look.regions.values(), key=lambda r: r.sort_order))
        bad("region", _("Unknown region; enter one of: %(values)s.", values=names))
    if region is not None and level and LEVEL_OF[level] not in levels_at(region, look.by_id):
        bad("level", _("A %(level)s project cannot be located in %(region)s.", level=level, region=region.name))
    if region is not None and own_region is not None and region.id != own_region:
        bad("region", _("You may import projects of your own region only."))
    row.region = region
    category = word("category", required("category", 50))
    department_name = required("department")
    target = choices.target("department", department_name) or department_name
    department = look.department(target, region) if department_name else None
    if department_name and department is None and region is not None:
        report.not_matched(COLUMNS["department"], department_name)
        unmatched = True
    elif department_name and department is None:
        bad("department", _("No management department of this name in the project's region or at city level."))
    amounts: dict[str, Decimal | None] = {}
    for name in ("planned", "cumulative"):
        try:
            amounts[name] = amount(row.values.get(name))
        except CellError as exc:
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
    if not cell_text(row.values.get("years")):
        bad("years", _("This field is required."))
    else:
        try:
            start, end = years(row.values.get("years"))
        except CellError as exc:
            bad("years", str(exc))
    vocab = {name: word(name, cell_text(row.values.get(name))) for name in OPTIONAL_VOCABULARIES}
    vocab["management_status"] = vocab["management_status"] or "储备"
    if has_code:
        row.code = key(cell_text(row.values.get("code"))).upper()
        if row.code and not codes.is_valid(row.code):
            bad("code", _("Not a valid project code (like 2026-150200-48-01-00001X, check character included)."))
    if row.unit and region is not None:
        try:
            row.unit_id = look.unit(row.unit, region)
        except CellError as exc:
            bad("unit", str(exc))
    report.errors.extend(problems)
    if not problems and not unmatched:
        assert region is not None and planned is not None
        row.fields = dict(
            name=row.name,
            region_id=region.id,
            level=LEVEL_OF[level] if level else region.level,
            competent_department_id=department,
            category=category,
            planned_investment=planned,
            cumulative_investment=cumulative or Decimal("0.0000"),
            start_year=start,
            end_year=end,
            **vocab,
        )


def _check_across(rows: list[SheetRow], report: ImportReport) -> None:
    """Codes unique in the file and the library; a unit's project not already in the library."""
    first_code: dict[str, int] = {}
    first_project: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.code:
            if row.code in first_code:
                message = _("The same project code is in row %(row)s.", row=first_code[row.code])
                report.errors.append(RowProblem(row.number, COLUMNS["code"], message))
            first_code.setdefault(row.code, row.number)
        pair = (key(row.name), key(row.unit))
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


def import_projects(
    data: bytes,
    user: User | None = None,
    dry_run: bool = False,
    filename: str = "",
    choices: matching.Choices | None = None,
) -> ImportReport:
    """Check a workbook and, when every row is good and not `dry_run`, add its projects (flush only).

    `choices` maps values the dictionaries do not know and names the columns whose unknown values
    are added to their dictionary (in the same transaction: nothing is kept unless the import is).

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
    rows = read_rows(data, report)
    if report.errors:
        return report
    has_code = any("code" in row.values for row in rows)
    choices = choices or matching.Choices()
    if choices.adding:
        report.added = matching.add_missing(rows, choices, user)
    look = _Lookups()
    wanted = []
    for row in rows:
        if cell_text(row.values.get("name")).startswith(EXAMPLE_MARK):
            report.examples_skipped += 1
            continue
        _check_row(row, look, own_region, has_code, report, choices)
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
    if report.errors or report.unmatched or dry_run or not wanted:
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


def _new_units(rows: list[SheetRow]) -> dict[str, tuple[str, int]]:
    """Names not registered yet -> (name as first written, region of its first project)."""
    new: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.unit_id is None and row.region is not None:
            new.setdefault(key(row.unit), (row.unit, row.region.id))
    return new


def _write(rows: list[SheetRow], new_units: dict[str, tuple[str, int]], report: ImportReport) -> None:
    now = utcnow()
    if new_units:
        # codes made here, so the rows go in as one executemany and their ids come back in one SELECT
        made = {unit_key: f"unreg-{uuid.uuid4().hex[:16]}" for unit_key in new_units}
        db.session.execute(
            insert(Organisation),
            [
                {
                    "code": made[unit_key],
                    "name": name,
                    "kind": OrgKind.UNIT,
                    "region_id": region_id,
                    "state": OrgState.UNREGISTERED,
                    "service_types": [],
                    "require_totp": False,
                    "created_at": now,
                }
                for unit_key, (name, region_id) in new_units.items()
            ],
        )
        ids: dict[str, int] = {}
        made_codes = list(made.values())
        for i in range(0, len(made_codes), 5000):
            stmt = select(Organisation.code, Organisation.id).where(Organisation.code.in_(made_codes[i : i + 5000]))
            ids.update({code: org_id for code, org_id in db.session.execute(stmt)})
        for row in rows:
            if row.unit_id is None:
                row.unit_id = ids[made[key(row.unit)]]
    highest: dict[tuple[int, str], int] = {}
    for row in rows:
        found = codes.parts(row.code) if row.code else None
        if found:
            year, region_code, serial = found
            highest[(year, region_code)] = max(serial, highest.get((year, region_code), 0))
    region_codes = {r.id: r.code for r in db.session.scalars(select(Region))}
    waiting: dict[tuple[int, str], list[SheetRow]] = defaultdict(list)
    for row in rows:
        if not row.code:
            year = row.fields["start_year"] or date.today().year
            waiting[(year, region_codes[row.fields["region_id"]])].append(row)
    codes.ensure_counters(set(highest) | set(waiting))
    for (year, region_code), serial in sorted(highest.items()):
        codes.reserve_through(year, region_code, serial)
    for (year, region_code), group in sorted(waiting.items()):
        industries = [industry_code(row.fields["industry_type"]) for row in group]
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
