"""Workbooks the library hands out: the export of any project list, and the import template."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..audit import services as audit
from ..dictionaries import services as dictionaries
from ..exports import write_only_row
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, OrgState, Region, User
from .levels import LEVEL_OF, level_words
from .models import Project
from .sheet import (
    COLUMNS,
    EXAMPLE_MARK,
    FOUR_PLACES,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MONEY_FORMAT,
    OPTIONAL_VOCABULARIES,
    REQUIRED,
    STATE_HEADER,
)


def _state_labels() -> dict[str, str]:
    return {
        "draft": _("Draft"),
        "in_approval": _("In joint sign-off"),
        "approved": _("Approved"),
        "returned": _("Returned to the unit"),
        "closed": _("Closed"),
    }


EXPORT_ORDER = ("code", *REQUIRED, *OPTIONAL_VOCABULARIES)


def export_projects(user: User, query: Any) -> bytes:
    """Every project the user may see that matches the library query (all pages), as xlsx; audited (flush only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from .library import filtered

    unit = aliased(Organisation)
    department = aliased(Organisation)
    stmt = (
        filtered(user, query)
        .with_only_columns(
            Project.code,
            Project.name,
            unit.name,
            Project.level,
            Region.name,
            Project.category,
            department.name,
            Project.planned_investment,
            Project.cumulative_investment,
            Project.start_year,
            Project.end_year,
            Project.investment_policy,
            Project.industry_type,
            Project.construction_mode,
            Project.investment_mode,
            Project.management_status,
            Project.state,
            maintain_column_froms=False,
        )
        .select_from(Project)
        .join(unit, unit.id == Project.unit_id)
        .join(Region, Region.id == Project.region_id)
        .outerjoin(department, department.id == Project.competent_department_id)
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("项目")
    sheet.freeze_panes = "A2"
    widths = (26, 40, 30, 10, 10, 12, 26, 16, 16, 12, 16, 12, 10, 12, 10, 12)
    for letter, width in zip("ABCDEFGHIJKLMNOP", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    header = []
    for text in [COLUMNS[name] for name in EXPORT_ORDER] + [STATE_HEADER]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    levels = {value: label for label, value in LEVEL_OF.items()}
    states = _state_labels()
    count = 0
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        count += 1
        (code, name, unit_name, level, region, category, dept, planned, cumulative, start, end, *vocab, state) = row
        amounts = []
        for amount in (planned, cumulative):
            cell = WriteOnlyCell(sheet, value=Decimal(amount).quantize(FOUR_PLACES) if amount is not None else None)
            cell.number_format = MONEY_FORMAT
            amounts.append(cell)
        years = "" if start is None else (str(start) if end in (None, start) else f"{start}-{end}")
        sheet.append(
            write_only_row(
                sheet,
                [code, name, unit_name, levels.get(level, level), region, category, dept or "", *amounts, years]
                + [v or "" for v in vocab]
                + [states.get(state, state)],
            )
        )
    out = io.BytesIO()
    book.save(out)
    audit.record("project.export", "project", "export", user.id, query=query.as_args(), rows=count)
    return out.getvalue()


def template() -> bytes:
    """The import template: the header row and one example row; allowed values and notes on more sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    regions = list(db.session.scalars(select(Region).order_by(Region.sort_order)))
    if not regions:
        from ..orgs.reference import CITY, DISTRICTS

        region_names = [CITY[1], *(name for _code, name in DISTRICTS)]
    else:
        region_names = [r.name for r in regions]
    departments = db.session.execute(
        select(Organisation.name, Region.name)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.kind == OrgKind.DEPARTMENT, Organisation.state == OrgState.ACTIVE)
        .order_by(Region.sort_order, Organisation.name)
    ).all()
    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    order = [*REQUIRED, "code", *OPTIONAL_VOCABULARIES]
    sheet.append([COLUMNS[name] for name in order])
    for i, name in enumerate(order, start=1):
        sheet.cell(1, i).font = Font(bold=name in REQUIRED)
        sheet.column_dimensions[get_column_letter(i)].width = 34 if name in ("name", "unit", "department") else 16
    example = {
        "name": EXAMPLE_MARK + "昆区友谊大街道路改造工程",
        "unit": "包头市城市建设投资有限公司",
        "level": "旗县区",
        "region": "昆区",
        "category": "市政道路",
        "department": next(
            (name for name, region in departments if name.endswith("住房和城乡建设局")),
            departments[0][0] if departments else "包头市住房和城乡建设局",
        ),
        "planned": 12800.5,
        "cumulative": 3200,
        "years": "2026-2028",
        "code": "",
        "investment_policy": "一般公共预算",
        "industry_type": "交通运输",
        "construction_mode": "改建",
        "investment_mode": "直接投资",
        "management_status": "前期",
    }
    sheet.append([example[name] for name in order])
    for i, name in enumerate(order, start=1):
        if name in ("planned", "cumulative"):
            sheet.cell(2, i).number_format = MONEY_FORMAT
    sheet.freeze_panes = "A2"
    allowed = book.create_sheet("可选值")
    vocabularies = dictionaries.vocabularies(active_only=True)  # what a new project may be given
    lists = {
        "level": list(level_words()),
        "region": region_names,
        "category": list(vocabularies["category"]),
        **{name: list(vocabularies[name]) for name in OPTIONAL_VOCABULARIES},
    }
    for i, (name, words) in enumerate(lists.items(), start=1):
        allowed.cell(1, i, COLUMNS[name]).font = Font(bold=True)
        allowed.column_dimensions[get_column_letter(i)].width = 18
        for j, word in enumerate(words, start=2):
            allowed.cell(j, i, word)
        letter = get_column_letter(i)
        check = DataValidation(
            type="list", formula1=f"'可选值'!${letter}$2:${letter}${len(words) + 1}", allow_blank=True
        )
        target = get_column_letter(order.index(name) + 1)
        check.add(f"{target}2:{target}{MAX_ROWS + 1}")
        sheet.add_data_validation(check)
    column = len(lists) + 2
    allowed.cell(1, column, COLUMNS["department"]).font = Font(bold=True)
    allowed.cell(1, column + 1, COLUMNS["region"]).font = Font(bold=True)
    allowed.column_dimensions[get_column_letter(column)].width = 34
    for j, (name, region) in enumerate(departments, start=2):
        allowed.cell(j, column, name)
        allowed.cell(j, column + 1, region)
    notes = book.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 110
    for line in NOTES:
        notes.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


NOTES = (
    "粗体列必填；项目代码、投资政策、行业类型、建设方式、投资方式、管理状态可不填或整列删去。",
    "第2行是示例（项目名称以【示例】开头的行不会导入），可直接改写或删除。",
    "项目级次填“市本级”或“旗县区”，须与项目地区一致：市本级项目的地区为“市本级”，旗县区项目填所在旗县区。",
    "主管部门填项目所在地区或市本级的管理部门全称（见“可选值”表）。",
    "项目单位填全称；尚未注册的单位会作为“未注册”单位建立，之后可自行注册。",
    "计划投资、累计投资以万元为单位，最多四位小数；累计投资大于计划投资时会提示但仍导入。",
    "建设年限填“2026-2028”“2026年-2028年”或单一年份“2026”。",
    "项目代码不填时自动赋码；填写时须为有效的全国项目代码且不重复。",
    f"每个文件最多 {MAX_ROWS} 行、{MAX_FILE_BYTES // (1024 * 1024)} MB。",
    "任何一行有错，整个文件都不导入，并列出每个错误的行和列。",
)
