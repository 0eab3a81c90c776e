"""The declared catalog: the row headers (dimensions) and column headers (measures) a report may choose."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    select,
)

from ...dictionaries import services as dictionaries
from ...extensions import db
from ...orgs.models import Organisation, Region
from ...projects.classification import STAGES
from ...projects.models import Project, ProjectState
from ...records.fields import SOURCES
from ..fixed.tables import completion_percent  # one rounding rule for every 完成进度%

MAX_DIMENSIONS = 3
MAX_MEASURES = 12
FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")
UNFILLED = ("（未填）", "(not filled)")


def language() -> int:
    """0 for Chinese labels, 1 for English (the session's language)."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except (RuntimeError, KeyError):  # outside a request or app context
        return 0
    return 1 if locale is not None and locale.language == "en" else 0


@dataclass(frozen=True)
class Dimension:
    """A row header: the SQL key it groups by and how its values are labelled and ordered."""

    id: str
    zh: str
    en: str
    key: Callable[[Any], ColumnElement[Any]]  # (joins) -> the grouping expression
    # the vocabulary in its natural order: value -> (zh, en); a callable reads the dictionaries when asked
    values: Mapping[Any, tuple[str, str]] | Callable[[], Mapping[Any, tuple[str, str]]] | None = None
    lookup: Callable[[set[Any]], dict[Any, tuple[tuple[str, str], tuple[Any, ...]]]] | None = None
    fans_out: bool = False

    def label(self) -> str:
        return (self.zh, self.en)[language()]

    def describe(self, keys: set[Any]) -> dict[Any, tuple[tuple[str, str], tuple[Any, ...]]]:
        """value -> ((zh, en) label, sort key): natural order first, unknown values next, NULL last."""
        known = self.lookup(keys - {None}) if self.lookup else {}
        values = self.values() if callable(self.values) else self.values
        order = list(values or ())
        out: dict[Any, tuple[tuple[str, str], tuple[Any, ...]]] = {}
        for key in keys:
            if key is None:
                out[key] = (UNFILLED, (2,))
            elif key in known:
                out[key] = known[key]
            elif values is not None and key in values:
                out[key] = (values[key], (0, order.index(key)))
            elif values is None and self.lookup is None:  # a plain value ordered by itself (years)
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
            return (self.zh_by_source, self.en_by_source)[language()]
        return (self.zh, self.en)[language()]


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


def _vocab(name: str) -> Callable[[], dict[str, tuple[str, str]]]:
    """A project field's dictionary, retired entries included (old projects group under them)."""
    return lambda: {v: (v, v) for v in dictionaries.names(name, active_only=False)}


STATE_EN = {
    ProjectState.DRAFT.value: "Draft",
    ProjectState.IN_APPROVAL.value: "In joint sign-off",
    ProjectState.APPROVED.value: "Approved",
    ProjectState.RETURNED.value: "Returned to the unit",
    ProjectState.CLOSED.value: "Closed",
}


def state_labels() -> dict[str, tuple[str, str]]:
    """The project states as the dictionary names them (zh) and in English."""
    return {code: (name, STATE_EN.get(code, code)) for code, name in dictionaries.labels("project_state").items()}


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
SOURCE_EN = {
    "central": "Central transfer",
    "provincial": "Provincial funds",
    "city": "City funds",
    "district": "District funds",
    "bonds": "Bonds",
    "bank_loans": "Bank loans",
    "self_raised": "Self-raised",
    "other": "Other",
}
assert tuple(SOURCE_EN) == SOURCES


def source_labels() -> dict[str, tuple[str, str]]:
    """The funding sources as the dictionary names them (zh) and in English, in the records' order."""
    zh = dictionaries.labels("funding_source")
    return {code: (zh.get(code, code), SOURCE_EN[code]) for code in SOURCES}


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
        Dimension("state", "审批状态", "State", _column("state"), values=state_labels),
        Dimension(
            "stage", "所处阶段", "Stage", _column("stage"), values={k: (v, STAGE_EN[k]) for k, v in STAGES.items()}
        ),
        Dimension("start_year", "开工年度", "Start year", _column("start_year")),
        Dimension(
            "funding_source",
            "资金来源",
            "Funding source",
            lambda joins: joins.source.source,
            values=source_labels,
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
            "arranged_amount",
            "已安排资金（万元）",
            "Arranged funds (10k yuan)",
            ("arranged",),
            lambda c: _sum(c, "arranged"),
            "money",
            True,
            "已安排资金（按来源，万元）",
            "Arranged funds (by source, 10k yuan)",
        ),
        Measure(
            "paid_amount",
            "已拨付金额（万元）",
            "Paid (10k yuan)",
            ("paid",),
            lambda c: _sum(c, "paid"),
            "money",
            True,
            "已拨付金额（按来源，万元）",
            "Paid (by source, 10k yuan)",
        ),
        Measure(
            "payment_pct",
            "拨付进度%",
            "Payment progress %",
            ("paid", "arranged"),
            lambda c: completion_percent(_sum(c, "paid"), _sum(c, "arranged")),
            "percent",
            True,
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
