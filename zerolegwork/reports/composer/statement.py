"""The one grouped SELECT of a report: per-project child subqueries joined once, grouped by the dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Subquery,
    and_,
    case,
    func,
    select,
    type_coerce,
)

from ...api.models import BudgetArrangement
from ...funds.models import Payment
from ...orgs.models import User
from ...projects import library
from ...projects.models import Project
from ...records.models import (
    Acceptance,
    Contract,
    FundingSource,
    InvestmentPlan,
    PerformanceEvaluation,
    Procurement,
    ProgressReport,
)
from .catalog import DIMENSIONS, MEASURES
from .definitions import Definition

SUM_TYPE = Numeric(24, 4)


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
    paid: Subquery | None = None
    arranged: Subquery | None = None


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


def _per_source(model: Any, by_source: bool, as_of: datetime, name: str) -> Subquery:
    """A money table's sum per project, or per project and funding source when the report goes by source.

    Payments sum with their reversals (net); arrangements as imported. Rows created by the time only.
    """
    keys = [model.project_id, model.source] if by_source else [model.project_id]
    return (
        select(*keys, func.sum(model.amount).label("amount"))
        .where(model.created_at <= as_of)
        .group_by(*keys)
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
    if "paid" in needed:
        joins.paid = _per_source(Payment, by_source, as_of, "paid")
    if "arranged" in needed:
        joins.arranged = _per_source(BudgetArrangement, by_source, as_of, "arranged")
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
        elif name == "paid":
            exprs[name] = _money(joins.paid.c.amount)  # type: ignore[union-attr]
        elif name == "arranged":
            exprs[name] = _money(joins.arranged.c.amount)  # type: ignore[union-attr]
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
    for sub in (joins.paid, joins.arranged):
        if sub is None:
            continue
        on = sub.c.project_id == Project.id
        if joins.source is not None:  # by source: each funding line meets its own source's money
            on = and_(on, sub.c.source == FundingSource.source)
        stmt = stmt.outerjoin(sub, on)
    conditions = [Project.created_at <= as_of]
    if scoped is not None:
        conditions.append(scoped)
    return stmt.where(*conditions).group_by(*keys)
