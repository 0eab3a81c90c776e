"""The fixed-format statistics tables (项目管理平台统计表): by region, category, funding source, stage, department.

Decisions shared by every table:
- Scope: the projects the user may see (`permissions.project_scope`); `user=None` is every project (the CLI).
  A project someone else's scope lets the user see (shared with a district, routed for sign-off) is counted
  under its own region, category … so 汇总 always equals the sum of the rows below it.
- 项目地区 is the user's area: the name of the user's organisation's region (东河区), the top region's
  area name (包头市, set up by `flask zlw setup`) for a user of the top region and for the CLI.
- Amounts are exact Decimal sums of the Numeric(16, 4) 万元 columns, shown with four places like every
  amount of the platform; nothing is rounded before the display.
- 完成进度% = 累计投资 / 计划投资 × 100, rounded ROUND_HALF_UP on Decimal to a whole percent (66.67 → 67,
  0.5 → 1, 12.5 → 13); a row whose 计划投资 is 0 (an empty district) has no percent, shown "—".
- The table's own words (title, columns, row labels) are the prescribed Chinese format in every locale,
  so an export reads the same whoever made it.
- Each table is a constant number of SQL statements whatever the number of projects: the grouping and
  the sums run in the database, Python only arranges at most a few dozen group rows.
- Every table carries `as_of`, the moment it was read; the figures are the projects' current values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true

from ...db import utcnow
from ...dictionaries import services as dictionaries
from ...extensions import db
from ...i18n import SHANGHAI
from ...orgs.models import Organisation, Region, User
from ...projects.classification import STAGES
from ...projects.models import Project
from ...records.fields import SOURCES
from ...records.models import FundingSource, InvestmentPlan
from ...replica import reports_reads
from .regions import Node, layout, managed_tree, rolled_up, table_root

TITLE = "项目管理平台统计表"
UNIT = "单位：万元"
COLUMNS = ("序号", "项目内容", "项目数量", "计划投资", "累计投资", "完成进度%", "备注")
NO_PERCENT = "—"
FOUR_PLACES = Decimal("0.0001")
ZERO = Decimal("0.0000")
GRAND_TOTAL = "汇总"
NOT_STARTED = "未启动"
NO_DEPARTMENT = "未指定主管部门"


def completion_percent(cumulative: Decimal, planned: Decimal) -> int | None:
    """累计投资 / 计划投资 as a whole percent, ROUND_HALF_UP; None when nothing is planned."""
    if not planned:
        return None
    with localcontext() as ctx:
        ctx.prec = 60  # a quotient just below .5 must not be rounded up to .5 before the final rounding
        return int((cumulative * 100 / planned).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money_text(value: Decimal, separators: bool = True) -> str:
    """An amount in 万元 with four places (thousands separators for reading, none for CSV)."""
    return f"{value:,.4f}" if separators else f"{value:.4f}"


@dataclass(frozen=True)
class Row:
    """One line of a fixed table; `args` are the project-list filters giving exactly its projects."""

    number: str
    label: str
    count: int
    planned: Decimal
    cumulative: Decimal
    kind: str = "item"  # total | subtotal | item
    note: str = ""
    # None when the project list cannot select these projects (e.g. a funding source, no stage yet)
    args: dict[str, str] | None = None

    @property
    def percent(self) -> int | None:
        return completion_percent(self.cumulative, self.planned)

    @property
    def percent_text(self) -> str:
        percent = self.percent
        return NO_PERCENT if percent is None else str(percent)

    def cells(self, separators: bool = True) -> list[str]:
        """The seven columns as shown."""
        return [
            self.number,
            self.label,
            str(self.count),
            money_text(self.planned, separators),
            money_text(self.cumulative, separators),
            self.percent_text,
            self.note,
        ]


@dataclass(frozen=True)
class Table:
    """A fixed table: its title line (项目地区, 制表时间, 单位), the columns and its rows in order."""

    name: str
    title: str
    area: str
    as_of: datetime
    rows: tuple[Row, ...]
    columns: tuple[str, ...] = COLUMNS
    unit: str = UNIT

    @property
    def date_text(self) -> str:
        """制表时间: the date in Asia/Shanghai."""
        return self.as_of.astimezone(SHANGHAI).strftime("%Y-%m-%d")

    @property
    def time_text(self) -> str:
        """The full as-of time in Asia/Shanghai, carried by every export."""
        return self.as_of.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")

    def title_line(self) -> list[str]:
        return [f"项目地区：{self.area}", f"制表时间：{self.date_text}", self.unit]

    @property
    def footer(self) -> str:
        return f"数据截至 {self.time_text}（北京时间）"


@dataclass
class _Sums:
    count: int = 0
    planned: Decimal = ZERO
    cumulative: Decimal = ZERO
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, other: _Sums) -> None:
        self.count += other.count
        self.planned += other.planned
        self.cumulative += other.cumulative


def _sums(count: Any, planned: Any, cumulative: Any) -> _Sums:
    return _Sums(int(count or 0), exact(planned), exact(cumulative))


def exact(value: Any) -> Decimal:
    """A database sum as a four-place Decimal (SQLite hands REAL back; PostgreSQL numeric is exact)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _row(number: str, label: str, sums: _Sums, kind: str = "item", args: dict[str, str] | None = None) -> Row:
    return Row(number, label, sums.count, sums.planned, sums.cumulative, kind=kind, args=args)


def scope(user: User | None) -> ColumnElement[bool]:
    """The projects a table counts: the user's visible ones, every project for None (the CLI)."""
    if user is None:
        return true()
    from ...permissions import project_scope

    return project_scope(user)


def area_of(user: User | None) -> str:
    """项目地区: the user's region (the top region's area name at the top); the top's for the CLI."""
    if user is not None:
        return user.org.region.area
    top = db.session.scalars(select(Region).where(Region.parent_id.is_(None)).order_by(Region.sort_order)).first()
    return top.area if top is not None else ""


def _totals() -> tuple[Any, ...]:
    return (
        func.count(Project.id).label("n"),
        func.sum(Project.planned_investment).label("planned"),
        func.sum(Project.cumulative_investment).label("cumulative"),
    )


def _grouped(user: User | None, column: Any) -> dict[Any, _Sums]:
    """One GROUP BY statement over the scoped projects: {group value: sums}."""
    stmt = select(column, *_totals()).where(scope(user)).group_by(column)
    return {key: _sums(n, planned, cumulative) for key, n, planned, cumulative in db.session.execute(stmt)}


def _total_row(rows: Iterable[_Sums], args: dict[str, str] | None = None) -> Row:
    total = _Sums()
    for sums in rows:
        total.add(sums)
    return _row("", GRAND_TOTAL, total, kind="total", args=args)


def _numbered(items: Iterable[tuple[str, _Sums, dict[str, str] | None]]) -> list[Row]:
    return [_row(str(i), label, sums, args=args) for i, (label, sums, args) in enumerate(items, 1)]


def _region_tree(user: User | None) -> tuple[Node | None, dict[int, Node]]:
    """Every region with the scoped projects it manages, in Region.sort_order; one statement.

    A project counts under the region that manages it (projects.levels.managing_region): a 市本级 project
    located in 东河区 is in 市本级's sums, not 东河区's.
    """
    agg = (
        select(Project.region_id.label("region_id"), Project.level.label("level"), *_totals())
        .where(scope(user))
        .group_by(Project.region_id, Project.level)
    )
    sub = agg.subquery()
    stmt = (
        select(Region.id, Region.name, Region.level, Region.parent_id, sub.c.level)
        .add_columns(sub.c.n, sub.c.planned, sub.c.cumulative)
        .outerjoin(sub, sub.c.region_id == Region.id)
        .order_by(Region.sort_order, Region.id)
    )
    rows = db.session.execute(stmt)
    return managed_tree(((*r[:5], _sums(*r[5:]) if r[4] is not None else None) for r in rows), _Sums)


def regional_table(user: User | None, as_of: datetime | None = None) -> Table:
    """汇总, 本级 (市本级), the subtotal (旗县汇总), then each region below in the set-up's order, rolled up.

    Of the user's part of the region tree (regions.table_root: the whole tree for the CLI); one statement.
    """
    top, nodes = _region_tree(user)
    root = table_root(user.org.region_id if user is not None else None, top, nodes)
    if root is None:
        return Table("regional", TITLE, area_of(user), as_of or utcnow(), (_total_row([], args={}),))
    shape = layout(root, top)
    below = [(label, rolled_up(node, _Sums()), args) for label, node, args in shape.below]
    below_total = _Sums()
    for _label, sums, _args in below:
        below_total.add(sums)
    rows = [
        _total_row([root.own, below_total], args=shape.total_args),
        _row("", shape.own_label, root.own, kind="subtotal", args=shape.own_args),
        _row("", shape.below_label, below_total, kind="subtotal", args=shape.below_args),
        *_numbered(below),
    ]
    return Table("regional", TITLE, area_of(user), as_of or utcnow(), tuple(rows))


def category_table(user: User | None, as_of: datetime | None = None) -> Table:
    """汇总, then every project category in the vocabulary's order (zero rows too); one statement."""
    found = _grouped(user, Project.category)
    known = dictionaries.names("category", active_only=False)
    labels = list(known) + sorted(str(k) for k in found if k not in known)
    items = [(c, found.get(c, _Sums()), {"category": c} if c in known else None) for c in labels]
    rows = [_total_row(found.values(), args={}), *_numbered(items)]
    return Table("category", f"{TITLE}（按项目类别）", area_of(user), as_of or utcnow(), tuple(rows))


def stage_table(user: User | None, as_of: datetime | None = None) -> Table:
    """汇总, 未启动 (no lifecycle yet), then every lifecycle stage in its order (zero rows too); one statement."""
    found = _grouped(user, Project.stage)
    items: list[tuple[str, _Sums, dict[str, str] | None]] = [(NOT_STARTED, found.get(None, _Sums()), None)]
    items += [(label, found.get(key, _Sums()), {"stage": key}) for key, label in STAGES.items()]
    items += [(str(k), found[k], None) for k in sorted(k for k in found if k is not None and k not in STAGES)]
    rows = [_total_row(found.values(), args={}), *_numbered(items)]
    return Table("stage", f"{TITLE}（按流程阶段）", area_of(user), as_of or utcnow(), tuple(rows))


def department_table(user: User | None, as_of: datetime | None = None) -> Table:
    """汇总, then each competent department with projects (city first, then districts in order); one statement.

    Departments without a project in scope are left out (a district has several, most with nothing to
    count); projects without a competent department come last as 未指定主管部门.
    """
    sub = (
        select(Project.competent_department_id.label("dept_id"), *_totals())
        .where(scope(user))
        .group_by(Project.competent_department_id)
        .subquery()
    )
    stmt = (
        select(sub.c.dept_id, Organisation.name, sub.c.n, sub.c.planned, sub.c.cumulative)
        .select_from(sub)
        .outerjoin(Organisation, Organisation.id == sub.c.dept_id)
        .outerjoin(Region, Region.id == Organisation.region_id)
        .order_by(sub.c.dept_id.is_(None), Region.sort_order, Organisation.name, sub.c.dept_id)
    )
    items: list[tuple[str, _Sums, dict[str, str] | None]] = []
    totals = []
    for dept_id, name, n, planned, cumulative in db.session.execute(stmt):
        sums = _sums(n, planned, cumulative)
        totals.append(sums)
        if dept_id is None:
            items.append((NO_DEPARTMENT, sums, None))
        else:
            items.append((name, sums, {"competent_department_id": str(dept_id)}))
    rows = [_total_row(totals, args={}), *_numbered(items)]
    return Table("department", f"{TITLE}（按主管部门）", area_of(user), as_of or utcnow(), tuple(rows))


def funding_table(user: User | None, as_of: datetime | None = None) -> Table:
    """汇总, then each funding source (central … other) of the projects' current investment plans.

    - A project counts once under every source its current plan (highest version) draws on, so the
      source rows' 项目数量 may add up to more than 汇总's, which counts each project once.
    - 计划投资 of a source is the sum of that source's amounts; of 汇总 the sum of the plans' totals
      (the sources of a plan add up to its total, records.services checks it).
    - 累计投资 of a source is each project's cumulative investment apportioned by the source's share of
      its plan (累计投资 × 来源金额 / 计划总额), summed and rounded half up to four places; 汇总 is the
      plain sum, so the source rows can differ from it by rounding in the fourth place.
    - Projects without an investment plan are not in this table; 汇总's 备注 says how many there are.
    Three statements: per source, the plans' totals, and the projects without a plan.
    """
    current = (
        select(InvestmentPlan.project_id.label("project_id"), func.max(InvestmentPlan.version).label("version"))
        .group_by(InvestmentPlan.project_id)
        .subquery()
    )
    plans = (
        select(InvestmentPlan)
        .join(
            current,
            and_(current.c.project_id == InvestmentPlan.project_id, current.c.version == InvestmentPlan.version),
        )
        .join(Project, Project.id == InvestmentPlan.project_id)
        .where(scope(user))
    )
    share = case(
        (InvestmentPlan.total > 0, Project.cumulative_investment * FundingSource.amount / InvestmentPlan.total),
        else_=0,
    )
    per_source = (
        plans.with_only_columns(
            FundingSource.source,
            func.count(func.distinct(Project.id)),
            func.sum(FundingSource.amount),
            func.sum(share),
        )
        .join(FundingSource, FundingSource.plan_id == InvestmentPlan.id)
        .group_by(FundingSource.source)
    )
    found = {source: _sums(n, planned, cumulative) for source, n, planned, cumulative in db.session.execute(per_source)}
    n, planned, cumulative = db.session.execute(
        plans.with_only_columns(
            func.count(Project.id), func.sum(InvestmentPlan.total), func.sum(Project.cumulative_investment)
        )
    ).one()
    without_plan = db.session.scalar(
        select(func.count(Project.id)).where(
            scope(user), ~select(InvestmentPlan.id).where(InvestmentPlan.project_id == Project.id).exists()
        )
    )
    total = _row("", GRAND_TOTAL, _sums(n, planned, cumulative), kind="total")
    if without_plan:
        total = Row(
            total.number,
            total.label,
            total.count,
            total.planned,
            total.cumulative,
            kind="total",
            note=f"另有{without_plan}个项目未登记投资计划",
        )
    labels = dictionaries.labels("funding_source")
    items = [(labels.get(s, s), found.get(s, _Sums()), None) for s in SOURCES]
    items += [(str(s), found[s], None) for s in sorted(s for s in found if s not in SOURCES)]
    return Table("funding", f"{TITLE}（按资金来源）", area_of(user), as_of or utcnow(), (total, *_numbered(items)))


# name -> (builder, label for menus); the CLI and the pages offer exactly these
TABLES: dict[str, tuple[Callable[[User | None, datetime | None], Table], str]] = {
    "regional": (regional_table, "按地区"),
    "category": (category_table, "按项目类别"),
    "funding": (funding_table, "按资金来源"),
    "stage": (stage_table, "按流程阶段"),
    "department": (department_table, "按主管部门"),
}


class UnknownTableError(LookupError):
    """A fixed table name that is not in TABLES."""


@reports_reads()
def build(name: str, user: User | None, as_of: datetime | None = None) -> Table:
    """The fixed table `name` for a user (None: every project) at `as_of` (default now), on the reports engine."""
    try:
        builder = TABLES[name][0]
    except KeyError:
        raise UnknownTableError(name) from None
    return builder(user, as_of or utcnow())
