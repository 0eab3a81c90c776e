"""The payment import's template and the exceptions list as xlsx workbooks (through exports.py)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from ..audit import services as audit
from ..exports import write_only_row
from ..extensions import db
from ..orgs.models import User
from ..projects.models import Project
from . import rules
from .imports import FIELD_LABELS
from .listing import ExceptionQuery, filtered
from .models import FundException
from .services import contracts_of

EXPORT_LIMIT = 100_000


def book(sheets: Iterable[tuple[str, list[str], Iterable[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(write_only_row(sheet, header))
        for row in rows:
            sheet.append(write_only_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template(project: Project, sources: dict[str, str]) -> bytes:
    """The import workbook: the payment columns, and a sheet naming the sources and the project's contracts."""
    header = [FIELD_LABELS[n] for n in ("paid_on", "amount", "payee", "source", "contract", "note")]
    contracts = [[c.id, c.title, c.party_b, c.amount] for c in contracts_of(project.id).values()]
    guide = [
        [_("Funding sources")],
        *([name] for name in sources.values()),
        [],
        [_("Contract number"), _("Title"), _("Party B"), _("Amount (10k yuan)")],
        *contracts,
    ]
    return book([("支付明细", header, []), ("填写说明", [project.code, project.name], guide)])


def export_exceptions(user: User, query: ExceptionQuery, sources: dict[str, str]) -> bytes:
    """The exceptions the user sees under the filters as a workbook; audited."""
    header = [_("No."), _("Project code"), _("Project name"), _("Region"), _("Rule"), _("Funding source"), _("Finding")]
    stmt = filtered(user, query).order_by(Project.code, FundException.id).limit(EXPORT_LIMIT)
    body = [
        [
            i,
            p.code,
            p.name,
            p.region.name,
            rules.rule_label(e.rule),
            sources.get(e.source or "", ""),
            rules.describe(e.rule, e.figures, sources, e.source),
        ]
        for i, (e, p) in enumerate(db.session.execute(stmt).all(), start=1)
    ]
    audit.record("fund.exceptions_export", "fund_exception", "list", user.id, rows=len(body), filters=query.args())
    return book([(_("Fund exceptions"), header, body)])
