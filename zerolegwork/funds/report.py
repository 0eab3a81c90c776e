"""The fund reconciliation report (资金对账表): by region or by funding source, page, Excel and PDF.

Over the projects the user sees (permissions.project_scope): per row the projects with money on record
(an arrangement or a payment), 已安排 (Σ budget arrangements), 已拨付 (Σ payments net of reversals),
拨付进度% (已拨付 / 已安排, a whole percent rounded half up from the exact sums, as the fixed tables'
完成进度%) and the number of open exceptions. Regions are the projects' 项目地区, in the set-up's order.
Four grouped statements whatever the number of payments; the 汇总 row is summed from the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, union

from ..api.models import BudgetArrangement
from ..db import utcnow
from ..dictionaries import services as dictionaries
from ..extensions import db
from ..i18n import local_time
from ..orgs.models import Region, User
from ..permissions import project_scope
from ..projects.models import Project
from ..reports.fixed.tables import completion_percent
from .models import FundException, Payment

GROUPINGS = ("region", "source")
ZERO = Decimal("0.0000")
COLUMNS = ("序号", "项目内容", "项目数量", "已安排资金", "已拨付金额", "拨付进度%", "对账异常")


@dataclass(frozen=True)
class ReportRow:
    number: str
    label: str
    projects: int
    arranged: Decimal
    paid: Decimal
    exceptions: int

    @property
    def percent(self) -> str:
        value = completion_percent(self.paid, self.arranged)
        return "—" if value is None else str(value)

    def cells(self) -> list[Any]:
        return [self.number, self.label, self.projects, self.arranged, self.paid, self.percent, self.exceptions]


@dataclass(frozen=True)
class Report:
    by: str
    title: str
    as_of: datetime
    rows: tuple[ReportRow, ...]


def _sums(stmt: Any) -> dict[Any, Any]:
    return {key: value for key, value in db.session.execute(stmt)}


def build(user: User, by: str) -> Report:
    """The report grouped `by` region or source, for the user's projects."""
    scope = project_scope(user)
    if by == "source":
        key_a, key_p, key_e = BudgetArrangement.source, Payment.source, FundException.source
    else:
        by = "region"
        key_a = key_p = key_e = Project.region_id
    arranged = _sums(
        select(key_a, func.sum(BudgetArrangement.amount))
        .join(Project, Project.id == BudgetArrangement.project_id)
        .where(scope)
        .group_by(key_a)
    )
    paid = _sums(
        select(key_p, func.sum(Payment.amount))
        .join(Project, Project.id == Payment.project_id)
        .where(scope)
        .group_by(key_p)
    )
    exceptions = _sums(
        select(key_e, func.count(FundException.id))
        .join(Project, Project.id == FundException.project_id)
        .where(scope)
        .group_by(key_e)
    )
    money = union(
        select(Project.id.label("project_id"), key_a.label("key"))
        .join(BudgetArrangement, BudgetArrangement.project_id == Project.id)
        .where(scope),
        select(Project.id.label("project_id"), key_p.label("key"))
        .join(Payment, Payment.project_id == Project.id)
        .where(scope),
    ).subquery()
    counts = _sums(select(money.c.key, func.count(literal(1))).group_by(money.c.key))
    if by == "source":
        labels = dictionaries.labels("funding_source")
        keys: list[Any] = list(labels) + sorted(k for k in set(arranged) | set(paid) if k not in labels)
        title = "资金对账表（按资金来源）"
    else:
        regions = list(db.session.scalars(select(Region).order_by(Region.sort_order, Region.id)))
        labels = {r.id: r.name for r in regions}
        keys = [r.id for r in regions if r.id in counts or r.id in exceptions]
        title = "资金对账表（按地区）"
    rows = [
        ReportRow(
            str(i),
            labels.get(k, str(k)),
            int(counts.get(k, 0)),
            Decimal(arranged.get(k) or ZERO),
            Decimal(paid.get(k) or ZERO),
            int(exceptions.get(k, 0)),
        )
        for i, k in enumerate(keys, start=1)
    ]
    total_projects = db.session.scalar(select(func.count(func.distinct(money.c.project_id))))
    total = ReportRow(
        "",
        "汇总",
        int(total_projects or 0),
        sum((r.arranged for r in rows), ZERO),
        sum((r.paid for r in rows), ZERO),
        sum(int(v) for v in exceptions.values()),
    )
    return Report(by, title, utcnow(), (total, *rows))


def workbook(report: Report) -> bytes:
    """The report as an xlsx workbook: title line, columns, rows (amounts as numbers, 万元)."""
    from .sheets import book

    head = [[report.title], [f"制表时间：{local_time(report.as_of)}", "单位：万元"], list(COLUMNS)]
    return book([(report.title, head[0], [head[1], head[2], *(r.cells() for r in report.rows)])])


def grouping(args: Mapping[str, str]) -> str:
    """The report's grouping from the query (region unless source is asked)."""
    return "source" if args.get("by") == "source" else "region"


def label(by: str) -> str:
    return _("By funding source") if by == "source" else _("By region")


def pdf(report: Report) -> bytes:
    """The report as an A4 PDF in Chinese (the built-in STSong-Light font): title, time, unit, the table."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from ..reports.pdf.style import MARGIN, amount, grid, para

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN
    )
    doc.title = report.title
    rows = [
        [r.number, r.label, str(r.projects), amount(r.arranged), amount(r.paid), r.percent, str(r.exceptions)]
        for r in report.rows
    ]
    story = [
        para(report.title, "title"),
        para(f"制表时间：{local_time(report.as_of)}    单位：万元", "muted"),
        Spacer(1, 6),
        grid(COLUMNS, rows, (0.07, 0.31, 0.1, 0.15, 0.15, 0.11, 0.11), numeric=(2, 3, 4, 5, 6)),
    ]
    doc.build(story)
    return out.getvalue()
