"""The library's downloads: a call's ranked results as xlsx, and an entry's review report as the reader may see it."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select

from ..audit import services as audit
from ..calls.models import ProjectCall
from ..exports import write_only_row
from ..extensions import db
from ..orgs.models import User
from ..reviews.progress import VERDICT_LABELS
from . import report, services

MAX_ROWS = 5000


def ranked_book(user: User, call: ProjectCall, stmt: Select[Any]) -> bytes:
    """排名, 项目代码, 项目名称, 申报单位, 结论, 得分, 建议金额, 已安排 — one row per entry, best first (audited)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Review library")[:31])
    header = [
        _("Rank"),
        _("Project code"),
        _("Project name"),
        _("Unit"),
        _("Conclusion"),
        _("Score"),
        _("Recommended amount (万元)"),
        _("Arranged (万元)"),
    ]
    sheet.append(write_only_row(sheet, header))
    count = 0
    for n, (entry, project, arranged) in enumerate(db.session.execute(stmt.limit(MAX_ROWS)), start=1):
        verdict = str(VERDICT_LABELS.get(entry.verdict, entry.verdict))
        row = [n, project.code, project.name, entry.unit.name, verdict, entry.score, entry.recommended_amount, arranged]
        sheet.append(write_only_row(sheet, row))
        count = n
    out = io.BytesIO()
    book.save(out)
    audit.record("library.export", "project_call", call.id, user.id, rows=count)
    return out.getvalue()


def download_report(user: User, entry_id: int) -> tuple[str, bytes]:
    """The entry's 评审报告 for a reader who may see it: with names for the department and the panel, not the unit."""
    entry = services.get_entry(user, entry_id)
    names = services.sees_names(user, entry)
    data = report.render_report(entry.id, with_names=names)
    audit.record("library.report", "library_entry", entry.id, user.id, size=len(data), with_names=names)
    return report.file_name(entry), data
