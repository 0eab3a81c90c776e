"""The calls list and a call's applications as xlsx workbooks (through exports.py: formula-like text stays text)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from ..audit import services as audit
from ..dictionaries import services as dictionaries
from ..exports import write_only_row
from ..extensions import db
from ..i18n import local_time
from ..orgs.models import User
from . import applications
from .applications import ApplicationQuery
from .models import CallApplication, ProjectCall
from .services import window_days


def _book(title: str, header: list[str], rows: Iterable[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])  # a fixed title: sheet names refuse / ? * [ ]
    sheet.append(write_only_row(sheet, header))
    for row in rows:
        sheet.append(write_only_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def call_state_label(state: str) -> str:
    """A call's state in the user's language."""
    return {"draft": _("Draft"), "open": _("Open for applications"), "closed": _("Closed for applications")}.get(
        state, state
    )


def export_calls(user: User, rows: list[ProjectCall]) -> bytes:
    """The calls of the list as a workbook; audited."""
    funding = dictionaries.labels("funding_source")
    header = [
        _("No."),
        _("Title"),
        _("Issued by"),
        _("Funding source"),
        _("Opens on"),
        _("Closes on"),
        _("Working days"),
        _("State"),
    ]
    body = [
        [
            i,
            c.title,
            c.issuer.name,
            " ".join(x for x in (funding.get(c.funding_source or "", ""), c.fund_name or "") if x),
            c.opens_on.isoformat(),
            c.closes_on.isoformat(),
            window_days(c.opens_on, c.closes_on),
            call_state_label(c.state),
        ]
        for i, c in enumerate(rows, start=1)
    ]
    audit.record("call.export", "project_call", "list", user.id, rows=len(body))
    return _book(_("Calls for projects"), header, body)


def export_applications(user: User, call: ProjectCall, query: ApplicationQuery) -> bytes:
    """The call's applications the user sees, filtered, as a workbook; audited."""
    header = [
        _("No."),
        _("Project code"),
        _("Project name"),
        _("Applying unit"),
        _("Region"),
        _("Category"),
        _("Planned investment (10k yuan)"),
        _("State"),
        _("Submitted at"),
        _("Attachments"),
    ]
    stmt = applications.filtered(user, call, query).order_by(CallApplication.submitted_at, CallApplication.id)
    body = [
        [
            i,
            a.project.code,
            a.project.name,
            a.unit.name,
            a.project.region.name,
            a.project.category,
            a.project.planned_investment,
            applications.state_label(a.state),
            local_time(a.submitted_at),
            len(a.attachments or {}),
        ]
        for i, a in enumerate(db.session.scalars(stmt).unique(), start=1)
    ]
    audit.record("call.export", "project_call", call.id, user.id, rows=len(body), filters=query.args())
    return _book(_("Applications"), header, body)
