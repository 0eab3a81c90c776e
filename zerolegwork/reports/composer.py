"""Self-composed reports (报表自行组合): row and column headers from a declared catalog, plus the library's filters.

Nothing a user sends becomes SQL text. A definition names dimensions and measures by id; every id is
looked up in DIMENSIONS / MEASURES (objects built below, expressions written in code) and anything else
is refused with a typed error; filters go through `ProjectQuery.from_args` (values outside the
vocabularies are dropped) and reach the database as bound parameters.

How a table is built (`build`):
- the base is the projects the user may see (`permissions.project_scope`, through `library.filtered`)
  that match the filters and were created at or before `as_of`;
- each child table a chosen measure needs is aggregated per project first (a subquery keyed by
  project_id, over its rows created at or before `as_of`) and LEFT JOINed once, so no child multiplies
  another's rows; "latest" records (progress, acceptance, evaluation) are picked with row_number();
- ONE statement groups by the chosen dimensions' keys and sums additive components; subtotals and the
  grand total are exact Decimal sums of those leaf rows (portable: no GROUPING SETS needed), and
  ratios (完成进度%, the average score) are computed from each row's sums, never averaged from rows.

The funding-source dimension multiplies rows: a project whose current investment plan has two sources
is one *funding line* under each. Under it the counting unit is the funding line, so every subtotal
and total is still the plain sum of its rows:
- planned_investment and funding_amount are the line's source amount (a project's lines add up to its
  current plan total); a project without a plan is one line under （未填） with its planned investment
  and a funding amount of 0;
- project_count counts funding lines (a project with two sources counts once under each source, and
  twice in a total across sources) — the column header says so;
- measures that belong to the whole project (cumulative investment, 完成进度%, disbursement,
  contracts, procurement, acceptance, evaluation) cannot be split by source without inventing an
  allocation, so they are refused next to this dimension (`MeasureNotBySourceError`).

As of: every project and child record counts only when created at or before `as_of`, so re-running a
definition later with the same `as_of` gives the same numbers and checksum although new projects and
records arrived meanwhile. Not versioned: the Project row's own columns (classification, planned and
cumulative investment, state, stage, region, department) are read as they are now; a later edit of
them (the project-information form, a new progress report moving 累计投资, a state change) changes a
re-run's numbers, and the checksum then shows the difference instead of hiding it.

Exports (xlsx, csv with a UTF-8 BOM) carry the definition, the as-of time (UTC ISO and Asia/Shanghai)
and `checksum` = sha256 of the canonical JSON of definition + as_of + the table's keys and values;
`verify_export(user, data)` reads an export back, re-runs it and compares the checksums.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Numeric,
    Subquery,
    and_,
    case,
    func,
    or_,
    select,
    type_coerce,
)

from ..audit import services as audit
from ..db import utcnow
from ..exports import csv_row, guard_sheet
from ..extensions import db
from ..i18n import SHANGHAI
from ..orgs.models import Organisation, Region, User
from ..projects import library
from ..projects.classification import STAGES, VOCABULARIES
from ..projects.models import Project, ProjectState
from ..records.fields import SOURCES
from ..records.models import (
    Acceptance,
    Contract,
    FundingSource,
    InvestmentPlan,
    PerformanceEvaluation,
    Procurement,
    ProgressReport,
)
from .composer_models import ReportDefinition
from .fixed import completion_percent  # one rounding rule for every 完成进度%

MAX_DIMENSIONS = 3
MAX_MEASURES = 12
MAX_DEFINITIONS = 100
NAME_LENGTH = 60
CHECKSUM_VERSION = "zlw-composed-report-1"
FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")
SUM_TYPE = Numeric(24, 4)
UNFILLED = ("（未填）", "(not filled)")
SUBTOTAL = ("小计", "Subtotal")
TOTAL = ("合计", "Total")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTER_NAMES = (
    "q",
    "region_id",
    "level",
    "category",
    "investment_policy",
    "industry_type",
    "construction_mode",
    "investment_mode",
    "management_status",
    "state",
    "stage",
    "competent_department_id",
)


def _lang() -> int:
    """0 for Chinese labels, 1 for English (the session's language)."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except (RuntimeError, KeyError):  # outside a request or app context
        return 0
    return 1 if locale is not None and locale.language == "en" else 0


# --------------------------------------------------------------------------- errors


class ReportDefinitionError(ValueError):
    """A definition the composer refuses; `message()` is what the user reads (translated, Chinese by default)."""

    def __init__(self, name: object = "") -> None:
        self.name = str(name)[:40]
        super().__init__(self.name)

    def message(self) -> str:
        return _("The report definition is not valid.")


class UnknownDimensionError(ReportDefinitionError):
    def message(self) -> str:
        return _("Unknown row header (dimension): %(name)s", name=self.name)


class UnknownMeasureError(ReportDefinitionError):
    def message(self) -> str:
        return _("Unknown column header (measure): %(name)s", name=self.name)


class DuplicateChoiceError(ReportDefinitionError):
    def message(self) -> str:
        return _("%(name)s is chosen twice.", name=self.name)


class TooManyDimensionsError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at most %(n)s row headers.", n=MAX_DIMENSIONS)


class TooManyMeasuresError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at most %(n)s column headers.", n=MAX_MEASURES)


class NoDimensionError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at least one row header.")


class NoMeasureError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at least one column header.")


class MeasureNotBySourceError(ReportDefinitionError):
    def message(self) -> str:
        return _(
            "%(name)s belongs to the whole project and cannot be split by funding source; "
            "remove it or the funding-source row header.",
            name=self.name,
        )


class DefinitionNameError(ReportDefinitionError):
    def message(self) -> str:
        if self.name == "too_many":
            return _("You have too many saved reports; delete some.")
        return _("Give the report a name.")


class ReportDefinitionNotFoundError(LookupError):
    """A saved definition that does not exist or that the user may not see (or not change)."""


class ExportUnreadableError(ValueError):
    """A file that is not a composed-report export (no definition, as-of time or checksum in it)."""


# --------------------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class Dimension:
    """A row header: the SQL key it groups by and how its values are labelled and ordered."""

    id: str
    zh: str
    en: str
    key: Callable[[Any], ColumnElement[Any]]  # (joins) -> the grouping expression
    # static vocabulary in its natural order: value -> (zh, en)
    values: Mapping[Any, tuple[str, str]] | None = None
    lookup: Callable[[set[Any]], dict[Any, tuple[tuple[str, str], tuple[Any, ...]]]] | None = None
    fans_out: bool = False

    def label(self) -> str:
        return (self.zh, self.en)[_lang()]

    def describe(self, keys: set[Any]) -> dict[Any, tuple[tuple[str, str], tuple[Any, ...]]]:
        """value -> ((zh, en) label, sort key): natural order first, unknown values next, NULL last."""
        known = self.lookup(keys - {None}) if self.lookup else {}
        order = list(self.values or ())
        out: dict[Any, tuple[tuple[str, str], tuple[Any, ...]]] = {}
        for key in keys:
            if key is None:
                out[key] = (UNFILLED, (2,))
            elif key in known:
                out[key] = known[key]
            elif self.values is not None and key in self.values:
                out[key] = (self.values[key], (0, order.index(key)))
            elif self.values is None and self.lookup is None:  # a plain value ordered by itself (years)
                out[key] = ((str(key), str(key)), (0, key))
            else:
                out[key] = ((str(key), str(key)), (1, str(key)))
        return out


@dataclass(frozen=True)
class Measure:
    """A column header: the additive components it needs and how a row's value follows from them."""

    id: str
    zh: str
    en: str
    components: tuple[str, ...]
    compute: Callable[[Mapping[str, Any]], Any]
    kind: str  # count | money | percent | score
    by_source: bool = False  # defined per funding line (see the module docstring)
    zh_by_source: str = ""
    en_by_source: str = ""

    def label(self, by_source: bool = False) -> str:
        if by_source and self.zh_by_source:
            return (self.zh_by_source, self.en_by_source)[_lang()]
        return (self.zh, self.en)[_lang()]


def _regions(keys: set[Any]) -> dict[Any, tuple[tuple[str, str], tuple[Any, ...]]]:
    rows = db.session.execute(select(Region.id, Region.name, Region.sort_order).where(Region.id.in_(keys)))
    return {rid: ((name, name), (0, order, rid)) for rid, name, order in rows}


def _departments(keys: set[Any]) -> dict[Any, tuple[tuple[str, str], tuple[Any, ...]]]:
    stmt = (
        select(Organisation.id, Organisation.name, Organisation.code, Region.sort_order)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.id.in_(keys))
    )
    return {oid: ((name, name), (0, order, code)) for oid, name, code, order in db.session.execute(stmt)}


def _vocab(name: str) -> dict[str, tuple[str, str]]:
    return {v: (v, v) for v in VOCABULARIES[name]}


STATE_LABELS = {
    ProjectState.DRAFT.value: ("草稿", "Draft"),
    ProjectState.IN_APPROVAL.value: ("并联会签中", "In joint sign-off"),
    ProjectState.APPROVED.value: ("已通过", "Approved"),
    ProjectState.RETURNED.value: ("已退回项目单位", "Returned to the unit"),
    ProjectState.CLOSED.value: ("已关闭", "Closed"),
}
STAGE_EN = {
    "information": "Project information",
    "investment": "Investment approval",
    "preparation": "Preparation",
    "construction": "Construction",
    "acceptance": "Acceptance",
    "performance": "Performance evaluation",
    "completed": "Completed",
    "closed": "Ended",
}
SOURCE_LABELS = {
    "central": ("中央转移支付", "Central transfer"),
    "provincial": ("省级资金", "Provincial funds"),
    "city": ("市级资金", "City funds"),
    "district": ("区级资金", "District funds"),
    "bonds": ("债券资金", "Bonds"),
    "bank_loans": ("银行贷款", "Bank loans"),
    "self_raised": ("自筹资金", "Self-raised"),
    "other": ("其他资金", "Other"),
}
assert tuple(SOURCE_LABELS) == SOURCES


def _column(name: str) -> Callable[[Any], ColumnElement[Any]]:
    column = getattr(Project, name)  # a name written in this file, never one a user sent
    return lambda joins: column


DIMENSIONS: dict[str, Dimension] = {
    d.id: d
    for d in (
        Dimension("region", "地区", "Region", _column("region_id"), lookup=_regions),
        Dimension(
            "level",
            "项目级次",
            "Level",
            _column("level"),
            values={"city": ("市本级", "City level"), "district": ("旗县区", "Districts and counties")},
        ),
        Dimension("category", "项目类别", "Category", _column("category"), values=_vocab("category")),
        Dimension(
            "competent_department",
            "主管部门",
            "Competent department",
            _column("competent_department_id"),
            lookup=_departments,
        ),
        Dimension(
            "construction_mode",
            "建设方式",
            "Construction mode",
            _column("construction_mode"),
            values=_vocab("construction_mode"),
        ),
        Dimension(
            "investment_mode",
            "投资方式",
            "Investment mode",
            _column("investment_mode"),
            values=_vocab("investment_mode"),
        ),
        Dimension(
            "investment_policy",
            "投资政策",
            "Investment policy",
            _column("investment_policy"),
            values=_vocab("investment_policy"),
        ),
        Dimension(
            "industry_type", "行业类型", "Industry type", _column("industry_type"), values=_vocab("industry_type")
        ),
        Dimension(
            "management_status",
            "管理状态",
            "Management status",
            _column("management_status"),
            values=_vocab("management_status"),
        ),
        Dimension("state", "审批状态", "State", _column("state"), values=STATE_LABELS),
        Dimension(
            "stage", "所处阶段", "Stage", _column("stage"), values={k: (v, STAGE_EN[k]) for k, v in STAGES.items()}
        ),
        Dimension("start_year", "开工年度", "Start year", _column("start_year")),
        Dimension(
            "funding_source",
            "资金来源",
            "Funding source",
            lambda joins: joins.source.source,
            values=SOURCE_LABELS,
            fans_out=True,
        ),
    )
}


def _sum(c: Mapping[str, Any], name: str) -> Decimal:
    return Decimal(c.get(name) or 0).quantize(FOUR_PLACES)


def _average(total: Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / count).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure(
            "project_count",
            "项目数量",
            "Projects",
            ("n",),
            lambda c: int(c.get("n") or 0),
            "count",
            True,
            "项目数量（按资金来源计）",
            "Projects (counted per funding source)",
        ),
        Measure(
            "planned_investment",
            "计划投资（万元）",
            "Planned investment (10k yuan)",
            ("planned",),
            lambda c: _sum(c, "planned"),
            "money",
            True,
            "计划投资（按来源金额，万元）",
            "Planned investment (source amount, 10k yuan)",
        ),
        Measure(
            "cumulative_investment",
            "累计投资（万元）",
            "Cumulative investment (10k yuan)",
            ("cumulative",),
            lambda c: _sum(c, "cumulative"),
            "money",
        ),
        Measure(
            "completion_pct",
            "完成进度%",
            "Completion %",
            ("cumulative", "planned"),
            lambda c: completion_percent(_sum(c, "cumulative"), _sum(c, "planned")),
            "percent",
        ),
        Measure(
            "funds_disbursed",
            "资金拨付（万元）",
            "Funds disbursed (10k yuan)",
            ("funds",),
            lambda c: _sum(c, "funds"),
            "money",
        ),
        Measure(
            "contract_amount",
            "合同金额（万元）",
            "Contract amount (10k yuan)",
            ("contract",),
            lambda c: _sum(c, "contract"),
            "money",
        ),
        Measure(
            "procurement_budget",
            "采购预算（万元）",
            "Procurement budget (10k yuan)",
            ("proc_budget",),
            lambda c: _sum(c, "proc_budget"),
            "money",
        ),
        Measure(
            "procurement_award",
            "中标金额（万元）",
            "Award amount (10k yuan)",
            ("proc_award",),
            lambda c: _sum(c, "proc_award"),
            "money",
        ),
        Measure(
            "procurement_savings",
            "采购节约（万元）",
            "Procurement savings (10k yuan)",
            ("proc_budget", "proc_award"),
            lambda c: _sum(c, "proc_budget") - _sum(c, "proc_award"),
            "money",
        ),
        Measure(
            "acceptance_passed",
            "验收合格项目数",
            "Acceptance passed",
            ("acc_passed",),
            lambda c: int(c.get("acc_passed") or 0),
            "count",
        ),
        Measure(
            "acceptance_failed",
            "验收不合格项目数",
            "Acceptance failed",
            ("acc_failed",),
            lambda c: int(c.get("acc_failed") or 0),
            "count",
        ),
        Measure(
            "evaluation_avg_score",
            "绩效评价平均分",
            "Average evaluation score",
            ("eval_sum", "eval_n"),
            lambda c: _average(_sum(c, "eval_sum"), int(c.get("eval_n") or 0)),
            "score",
        ),
        Measure(
            "evaluation_excellent",
            "绩效评价为优的项目数",
            "Evaluated excellent (优)",
            ("eval_excellent",),
            lambda c: int(c.get("eval_excellent") or 0),
            "count",
        ),
        Measure(
            "funding_amount",
            "资金来源金额（万元）",
            "Funding amount (10k yuan)",
            ("funding",),
            lambda c: _sum(c, "funding"),
            "money",
            True,
        ),
    )
}


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Definition:
    """What a report shows: dimension ids in order, measure ids in order, library filters (canonical)."""

    dims: tuple[str, ...]
    measures: tuple[str, ...]
    filters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> Definition:
        """Check a definition (as saved, or sent as JSON); raise a ReportDefinitionError for anything off."""
        if not isinstance(raw, Mapping):
            raise ReportDefinitionError("definition")
        dims = _ids(raw.get("dims", ()), DIMENSIONS, UnknownDimensionError)
        measures = _ids(raw.get("measures", ()), MEASURES, UnknownMeasureError)
        filters = raw.get("filters") or {}
        if not isinstance(filters, Mapping):
            raise ReportDefinitionError("filters")
        return cls._checked(dims, measures, filters)

    @classmethod
    def from_args(cls, args: Any) -> Definition:
        """Read a definition from a form or query string: `dim` (up to three, in order), `m` (measures), filters."""
        getlist = getattr(args, "getlist", None)
        dims_raw = getlist("dim") if getlist else args.get("dim", [])
        measures_raw = getlist("m") if getlist else args.get("m", [])
        dims = _ids([d for d in dims_raw if d != ""], DIMENSIONS, UnknownDimensionError)
        measures = _ids(measures_raw, MEASURES, UnknownMeasureError)
        return cls._checked(dims, measures, {k: args.get(k, "") for k in FILTER_NAMES})

    @classmethod
    def _checked(cls, dims: list[str], measures: list[str], filters: Mapping[str, Any]) -> Definition:
        for chosen in (dims, measures):
            seen: set[str] = set()
            for name in chosen:
                if name in seen:
                    raise DuplicateChoiceError(name)
                seen.add(name)
        if not dims:
            raise NoDimensionError()
        if len(dims) > MAX_DIMENSIONS:
            raise TooManyDimensionsError(len(dims))
        if not measures:
            raise NoMeasureError()
        if len(measures) > MAX_MEASURES:
            raise TooManyMeasuresError(len(measures))
        if any(DIMENSIONS[d].fans_out for d in dims):
            for m in measures:
                if not MEASURES[m].by_source:
                    raise MeasureNotBySourceError(MEASURES[m].label())
        query = library.ProjectQuery.from_args({k: str(v) for k, v in filters.items() if k in FILTER_NAMES})
        kept = {k: v for k, v in query.as_args().items() if k in FILTER_NAMES}
        return cls(tuple(dims), tuple(measures), tuple(sorted(kept.items())))

    def query(self) -> library.ProjectQuery:
        return library.ProjectQuery.from_args(dict(self.filters))

    def to_json(self) -> dict[str, Any]:
        return {"dims": list(self.dims), "measures": list(self.measures), "filters": dict(self.filters)}

    def as_args(self) -> list[tuple[str, str]]:
        """The definition as query-string pairs (links to run and export it)."""
        return [("dim", d) for d in self.dims] + [("m", m) for m in self.measures] + list(self.filters)

    @property
    def by_source(self) -> bool:
        return any(DIMENSIONS[d].fans_out for d in self.dims)


def _ids(raw: Any, catalog: Mapping[str, Any], error: type[ReportDefinitionError]) -> list[str]:
    """The ids as given, each one a key of the catalog (a plain dict lookup, nothing else)."""
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise error(raw)
    out = []
    for item in raw:
        if not isinstance(item, str) or item not in catalog:
            raise error(item)
        out.append(item)
    return out


# --------------------------------------------------------------------------- as of


def parse_as_of(text: str | None, now: datetime | None = None) -> datetime:
    """The as-of time: blank is now; a date is the end of that day in Asia/Shanghai; never later than now."""
    now = now or utcnow()
    text = (text or "").strip()[:40]
    if not text:
        return now
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max, tzinfo=SHANGHAI)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=SHANGHAI)
    except ValueError:
        raise AsOfError(text) from None
    return min(moment.astimezone(UTC), now)


class AsOfError(ReportDefinitionError):
    def message(self) -> str:
        return _("Enter the as-of date as YYYY-MM-DD.")


def as_of_text(as_of: datetime) -> str:
    """The canonical UTC ISO text of an as-of time (what exports carry and re-runs read)."""
    return as_of.astimezone(UTC).isoformat(timespec="microseconds")


# --------------------------------------------------------------------------- the statement


@dataclass
class _Joins:
    """The per-project subqueries the chosen measures need, keyed by name."""

    as_of: datetime
    plan: Subquery | None = None
    source: Any = None
    funding: Subquery | None = None
    progress: Subquery | None = None
    contract: Subquery | None = None
    procurement: Subquery | None = None
    acceptance: Subquery | None = None
    evaluation: Subquery | None = None


def _current_plan(as_of: datetime) -> Subquery:
    """Each project's current investment plan as of the time: its highest version created by then."""
    latest = (
        select(InvestmentPlan.project_id, func.max(InvestmentPlan.version).label("version"))
        .where(InvestmentPlan.created_at <= as_of)
        .group_by(InvestmentPlan.project_id)
        .subquery("latest_plan")
    )
    return (
        select(InvestmentPlan.id.label("plan_id"), InvestmentPlan.project_id, InvestmentPlan.total)
        .join(
            latest, and_(InvestmentPlan.project_id == latest.c.project_id, InvestmentPlan.version == latest.c.version)
        )
        .subquery("plan")
    )


def _latest(model: Any, columns: list[Any], order: list[Any], as_of: datetime, name: str) -> Subquery:
    """The newest record of a kind per project as of the time (row_number over the project's records)."""
    ranked = (
        select(
            model.project_id,
            *columns,
            func.row_number().over(partition_by=model.project_id, order_by=[*order, model.id.desc()]).label("rn"),
        )
        .where(model.created_at <= as_of)
        .subquery(name + "_ranked")
    )
    return select(*[c for c in ranked.c if c.name != "rn"]).where(ranked.c.rn == 1).subquery(name)


def _per_project(model: Any, sums: dict[str, Any], as_of: datetime, name: str) -> Subquery:
    """Sums of a child table per project (rows created by the time)."""
    return (
        select(model.project_id, *[func.sum(col).label(label) for label, col in sums.items()])
        .where(model.created_at <= as_of)
        .group_by(model.project_id)
        .subquery(name)
    )


def _money(expr: Any) -> ColumnElement[Any]:
    return type_coerce(func.sum(expr), SUM_TYPE)


def _components(definition: Definition, joins: _Joins) -> dict[str, ColumnElement[Any]]:
    """The aggregate expression of each additive component the measures need (joins set up on the way)."""
    needed = {c for m in definition.measures for c in MEASURES[m].components}
    by_source = definition.by_source
    as_of = joins.as_of
    if by_source or "funding" in needed:
        joins.plan = _current_plan(as_of)
    if by_source:
        joins.source = FundingSource
    elif "funding" in needed:
        assert joins.plan is not None
        joins.funding = (
            select(joins.plan.c.project_id, func.sum(FundingSource.amount).label("amount"))
            .join(FundingSource, FundingSource.plan_id == joins.plan.c.plan_id)
            .group_by(joins.plan.c.project_id)
            .subquery("funding")
        )
    if "funds" in needed:
        joins.progress = _latest(
            ProgressReport, [ProgressReport.funds_disbursed], [ProgressReport.period.desc()], as_of, "progress"
        )
    if "contract" in needed:
        joins.contract = _per_project(Contract, {"amount": Contract.amount}, as_of, "contracts")
    if {"proc_budget", "proc_award"} & needed:
        joins.procurement = _per_project(
            Procurement, {"budget": Procurement.budget, "award": Procurement.award_amount}, as_of, "procurements"
        )
    if {"acc_passed", "acc_failed"} & needed:
        joins.acceptance = _latest(
            Acceptance, [Acceptance.result], [Acceptance.accepted_on.desc(), Acceptance.created_at.desc()], as_of, "acc"
        )
    if {"eval_sum", "eval_n", "eval_excellent"} & needed:
        joins.evaluation = _latest(
            PerformanceEvaluation,
            [PerformanceEvaluation.score, PerformanceEvaluation.grade],
            [PerformanceEvaluation.created_at.desc()],
            as_of,
            "evaluation",
        )
    exprs: dict[str, ColumnElement[Any]] = {}
    for name in sorted(needed):
        if name == "n":
            exprs[name] = func.count(Project.id)
        elif name == "planned":
            if by_source:
                assert joins.plan is not None
                line = func.coalesce(FundingSource.amount, joins.plan.c.total, Project.planned_investment)
                exprs[name] = _money(line)
            else:
                exprs[name] = _money(Project.planned_investment)
        elif name == "cumulative":
            exprs[name] = _money(Project.cumulative_investment)
        elif name == "funding":
            exprs[name] = _money(FundingSource.amount if by_source else joins.funding.c.amount)  # type: ignore[union-attr]
        elif name == "funds":
            exprs[name] = _money(joins.progress.c.funds_disbursed)  # type: ignore[union-attr]
        elif name == "contract":
            exprs[name] = _money(joins.contract.c.amount)  # type: ignore[union-attr]
        elif name == "proc_budget":
            exprs[name] = _money(joins.procurement.c.budget)  # type: ignore[union-attr]
        elif name == "proc_award":
            exprs[name] = _money(joins.procurement.c.award)  # type: ignore[union-attr]
        elif name == "acc_passed":
            exprs[name] = func.sum(case((joins.acceptance.c.result == "passed", 1), else_=0))  # type: ignore[union-attr]
        elif name == "acc_failed":
            exprs[name] = func.sum(case((joins.acceptance.c.result == "failed", 1), else_=0))  # type: ignore[union-attr]
        elif name == "eval_sum":
            exprs[name] = _money(joins.evaluation.c.score)  # type: ignore[union-attr]
        elif name == "eval_n":
            exprs[name] = func.count(joins.evaluation.c.score)  # type: ignore[union-attr]
        elif name == "eval_excellent":
            exprs[name] = func.sum(case((joins.evaluation.c.grade == "优", 1), else_=0))  # type: ignore[union-attr]
    return exprs


def statement(user: User, definition: Definition, as_of: datetime) -> Any:
    """The one grouped SELECT of a report's finest rows: dimension keys, then the components' sums."""
    joins = _Joins(as_of=as_of)
    components = _components(definition, joins)
    keys = [DIMENSIONS[d].key(joins).label(f"k{i}") for i, d in enumerate(definition.dims)]
    scoped = library.filtered(user, definition.query()).whereclause
    stmt = select(*keys, *[expr.label(name) for name, expr in components.items()]).select_from(Project)
    if joins.plan is not None:
        stmt = stmt.outerjoin(joins.plan, joins.plan.c.project_id == Project.id)
    if joins.source is not None:
        stmt = stmt.outerjoin(FundingSource, FundingSource.plan_id == joins.plan.c.plan_id)  # type: ignore[union-attr]
    for sub in (joins.funding, joins.progress, joins.contract, joins.procurement, joins.acceptance, joins.evaluation):
        if sub is not None:
            stmt = stmt.outerjoin(sub, sub.c.project_id == Project.id)
    conditions = [Project.created_at <= as_of]
    if scoped is not None:
        conditions.append(scoped)
    return stmt.where(*conditions).group_by(*keys)


# --------------------------------------------------------------------------- the table


@dataclass
class Row:
    """One row: kind total/subtotal/row, its depth (0 for the total), dimension keys, labels, values."""

    kind: str
    depth: int
    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    values: list[Any]


@dataclass
class ReportTable:
    """A built report: its definition, as-of time, headers, rows (total first, each subtotal before its rows)."""

    definition: Definition
    as_of: datetime
    rows: list[Row] = field(default_factory=list)

    @property
    def dimensions(self) -> list[Dimension]:
        return [DIMENSIONS[d] for d in self.definition.dims]

    @property
    def measures(self) -> list[Measure]:
        return [MEASURES[m] for m in self.definition.measures]

    def header(self) -> list[str]:
        by_source = self.definition.by_source
        return [d.label() for d in self.dimensions] + [m.label(by_source) for m in self.measures]

    @property
    def empty(self) -> bool:
        return len(self.rows) <= 1

    def cells(self, row: Row) -> list[str]:
        """The row's dimension cells as shown: labels down to its depth, 小计/合计 after them."""
        width = len(self.dimensions)
        lang = _lang()
        if row.kind == "total":
            return [TOTAL[lang]] + [""] * (width - 1)
        out = list(row.labels) + [""] * (width - len(row.labels))
        if row.kind == "subtotal" and len(row.labels) < width:
            out[len(row.labels)] = SUBTOTAL[lang]
        return out

    @property
    def checksum(self) -> str:
        return checksum(self.definition, self.as_of, self.rows)

    @property
    def as_of_text(self) -> str:
        return as_of_text(self.as_of)

    @property
    def as_of_local(self) -> str:
        return self.as_of.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def build(user: User, definition: Definition | Mapping[str, Any], as_of: datetime | None = None) -> ReportTable:
    """Run a definition for a user (the user's own scope) as of a time; one grouped statement plus label look-ups."""
    if not isinstance(definition, Definition):
        definition = Definition.parse(definition)
    as_of = (as_of or utcnow()).astimezone(UTC)
    names = [c for m in definition.measures for c in MEASURES[m].components]
    leaves = []
    for record in db.session.execute(statement(user, definition, as_of)):
        mapping = record._mapping
        keys = tuple(mapping[f"k{i}"] for i in range(len(definition.dims)))
        leaves.append((keys, {n: mapping[n] for n in names}))
    described = [DIMENSIONS[d].describe({keys[i] for keys, _c in leaves}) for i, d in enumerate(definition.dims)]
    leaves.sort(key=lambda leaf: tuple(described[i][k][1] for i, k in enumerate(leaf[0])))
    table = ReportTable(definition, as_of)
    lang = _lang()

    def values(components: Mapping[str, Any]) -> list[Any]:
        return [MEASURES[m].compute(components) for m in definition.measures]

    def label(depth: int, key: Any) -> str:
        return described[depth][key][0][lang]

    def emit(group: list[tuple[tuple[Any, ...], dict[str, Any]]], depth: int) -> list[Row]:
        rows: list[Row] = []
        for _key, members in groupby(group, key=lambda leaf: leaf[0][depth]):
            members_list = list(members)
            keys = members_list[0][0][: depth + 1]
            labels = tuple(label(i, k) for i, k in enumerate(keys))
            if depth == len(definition.dims) - 1:
                rows.append(Row("row", depth + 1, keys, labels, values(members_list[0][1])))
            else:
                rows.append(Row("subtotal", depth + 1, keys, labels, values(_add(members_list))))
                rows.extend(emit(members_list, depth + 1))
        return rows

    table.rows = [Row("total", 0, (), (), values(_add(leaves))), *emit(leaves, 0)]
    return table


def _add(leaves: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> dict[str, Any]:
    """The exact sums of the leaves' components (Decimal money, int counts)."""
    total: dict[str, Any] = {}
    for _keys, components in leaves:
        for name, value in components.items():
            if value is None:
                continue
            value = value if isinstance(value, int) else Decimal(value)
            total[name] = total.get(name, 0) + value
    return total


def _plain(value: Any) -> Any:
    """A value as the checksum and exports write it: money with four places, whole numbers, None."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def checksum(definition: Definition, as_of: datetime, rows: list[Row]) -> str:
    """sha256 of the canonical JSON of definition, as-of time and every row's keys and values (not labels)."""
    body = {
        "version": CHECKSUM_VERSION,
        "definition": definition.to_json(),
        "as_of": as_of_text(as_of),
        "rows": [
            [r.kind, [None if k is None else str(k) for k in r.keys], [_plain(v) for v in r.values]] for r in rows
        ],
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- exports


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
        writer.writerow(csv_row(table.cells(row)) + [_plain(_display(v)) for v in row.values])
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


# --------------------------------------------------------------------------- saved definitions


def definitions_of(user: User) -> list[ReportDefinition]:
    """The user's own definitions and those colleagues of the same organisation shared, by name."""
    stmt = (
        select(ReportDefinition)
        .where(
            or_(
                ReportDefinition.owner_id == user.id,
                and_(ReportDefinition.org_id == user.org_id, ReportDefinition.shared.is_(True)),
            )
        )
        .order_by(ReportDefinition.name, ReportDefinition.id)
    )
    return list(db.session.scalars(stmt))


def get_definition(user: User, definition_id: int) -> ReportDefinition:
    """A definition the user may run: their own, or a shared one of their organisation."""
    found = db.session.get(ReportDefinition, definition_id)
    if found is None or not (found.owner_id == user.id or (found.shared and found.org_id == user.org_id)):
        raise ReportDefinitionNotFoundError(definition_id)
    return found


def save_definition(
    user: User, name: str, definition: Definition, shared: bool = False, definition_id: int | None = None
) -> ReportDefinition:
    """Keep a definition under a name (flush only); the owner's same name or given id is replaced, audited."""
    name = " ".join(str(name).split())[:NAME_LENGTH]
    if not name:
        raise DefinitionNameError("name")
    existing = None
    if definition_id is not None:
        existing = db.session.get(ReportDefinition, definition_id)
        if existing is None or existing.owner_id != user.id:
            raise ReportDefinitionNotFoundError(definition_id)
    clash = db.session.scalar(
        select(ReportDefinition).where(ReportDefinition.owner_id == user.id, ReportDefinition.name == name)
    )
    if existing is None:
        existing = clash
    elif clash is not None and clash.id != existing.id:
        db.session.delete(clash)  # renamed onto another of the owner's names: that one is replaced
        db.session.flush()
    created = existing is None
    if created:
        count = db.session.scalar(select(func.count()).where(ReportDefinition.owner_id == user.id)) or 0
        if count >= MAX_DEFINITIONS:
            raise DefinitionNameError("too_many")
        existing = ReportDefinition(owner_id=user.id, org_id=user.org_id)
        db.session.add(existing)
    assert existing is not None
    existing.name = name
    existing.definition = definition.to_json()
    existing.shared = bool(shared)
    db.session.flush()
    audit.record(
        "report_definition.create" if created else "report_definition.update",
        "report_definition",
        existing.id,
        user.id,
        after={"name": name, "shared": bool(shared), **definition.to_json()},
    )
    return existing


def delete_definition(user: User, definition_id: int) -> None:
    """Remove one of the user's own definitions (flush only), audited; others' are not found."""
    found = db.session.get(ReportDefinition, definition_id)
    if found is None or found.owner_id != user.id:
        raise ReportDefinitionNotFoundError(definition_id)
    before = {"name": found.name, "shared": found.shared, **found.definition}
    db.session.delete(found)
    db.session.flush()
    audit.record("report_definition.delete", "report_definition", definition_id, user.id, before=before)


def stored_definition(saved: ReportDefinition) -> Definition:
    """The saved JSON checked again (the catalog may have changed since it was saved)."""
    return Definition.parse(saved.definition)


__all__ = [
    "DIMENSIONS",
    "MEASURES",
    "Definition",
    "ReportDefinitionError",
    "ReportTable",
    "build",
    "checksum",
    "definitions_of",
    "delete_definition",
    "get_definition",
    "parse_as_of",
    "read_export",
    "save_definition",
    "to_csv",
    "to_xlsx",
    "verify_export",
]
