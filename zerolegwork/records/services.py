"""Turn a completed form's answers into a typed record (flush only), and read a project's records back.

A form in forms/ declares `"record": "<kind>"`. Completing such a task calls `validate()` before
the engine runs (the messages go back to the form, keyed by field) and `write()` after it. Answers
a record has no column for are kept in the row's `extra` (fields analysts add later).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..engine.forms import NAME_RE
from ..extensions import db
from ..projects.models import Project
from .errors import RecordProjectMissingError, RecordValidationError, UnknownRecordKindError
from .fields import FIELDS, HUNDRED, PARTS, SOURCES, Field, parse_fields
from .models import (
    Acceptance,
    Contract,
    FundingSource,
    InvestmentPlan,
    PerformanceEvaluation,
    PerformanceGoal,
    PerformanceIndicator,
    ProcedureDocument,
    Procurement,
    ProgressReport,
    ProjectInfoRevision,
    RecordMixin,
)

KINDS: frozenset[str] = frozenset(FIELDS)

# the model each kind writes; records_of() returns them in this order
MODELS: dict[str, type[RecordMixin]] = {
    "project_info": ProjectInfoRevision,
    "procedure_document": ProcedureDocument,
    "investment_plan": InvestmentPlan,
    "procurement": Procurement,
    "contract": Contract,
    "progress_report": ProgressReport,
    "acceptance": Acceptance,
    "performance_goals": PerformanceGoal,
    "performance_evaluation": PerformanceEvaluation,
}
# what the runtime adds to a task's answers; never kept in `extra`
PLATFORM_KEYS = frozenset(
    {"signed_by", "signed_by_id", "signed_at", "signed_for_id", "org_name", "task", "levels"}
    | {"department", "project_unit"}  # lane keys (docs/bpmn-conventions.md)
    | {"csrf_token", "version", "next"}
)
EXTRA_MAX_CHARS = 20_000
PROJECT_COLUMNS = (
    "investment_policy",
    "industry_type",
    "category",
    "construction_mode",
    "investment_mode",
    "management_status",
    "start_year",
    "end_year",
    "planned_investment",
)


def fields_of(kind: str) -> Mapping[str, Field]:
    """The fields a record kind reads; raise UnknownRecordKindError for a kind nobody declared."""
    try:
        return FIELDS[kind]
    except (KeyError, TypeError):
        raise UnknownRecordKindError(str(kind)) from None


def validate(kind: str, answers: Mapping[str, Any], project_id: int | None = None) -> dict[str, str]:
    """Check answers for a record of `kind`: {field: translated message}, empty when they make a valid record.

    Cell errors of a table field are keyed `<field>.<row>.<column>` (rows from 0); a cost breakdown
    that does not add up to the total is reported on `total`, funding sources on `fund_central`. Given the
    project, a retired dictionary word is refused unless the project already has it.
    """
    values, _extra_answers, errors = _parse(kind, answers)
    if not errors and project_id is not None:
        project = db.session.get(Project, project_id)
        if project is not None:
            errors.update(retired_words(kind, values, project))
    return errors


def retired_words(kind: str, values: Mapping[str, Any], project: Project) -> dict[str, str]:
    """Fields whose answer is a retired dictionary word the project does not already have."""
    spec = fields_of(kind)
    chosen = {n: v for n, v in values.items() if v and n in spec and spec[n].dictionary}
    if not chosen:
        return {}
    from ..dictionaries.services import vocabularies

    active = vocabularies(active_only=True)
    return {
        name: _("This option is retired; only a project that already has it may keep it.")
        for name, value in chosen.items()
        if value not in active.get(name, ()) and value != getattr(project, name, None)
    }


def write(kind: str, project_id: int, answers: Mapping[str, Any], actor_id: int | None, task_id: int | None) -> Any:
    """Write the record of `kind` for a project (flush only); invalid answers raise RecordValidationError."""
    values, extra, errors = _parse(kind, answers)
    if errors:
        raise RecordValidationError(errors)
    # FOR UPDATE OF project: the project's region is joined, and the nullable side of a join cannot be locked
    lock = {"of": Project} if kind in _LOCKING else None
    project = db.session.get(Project, project_id, with_for_update=lock)
    if project is None:
        raise RecordProjectMissingError(project_id)
    retired = retired_words(kind, values, project)
    if retired:
        raise RecordValidationError(retired)
    common = {"project_id": project_id, "task_id": task_id, "actor_id": actor_id, "extra": extra}
    row = _WRITERS[kind](project, values, common)
    db.session.add(row)
    db.session.flush()
    if kind in _RECONCILED:
        from ..funds.reconcile import refresh  # a contract or 累计投资 changed: reconcile the fund ledger again

        refresh(project)
    return row


def records_of(project_id: int, limit: int | None = None) -> dict[str, list[Any]]:
    """Every kind's records of a project, newest first (one query per kind); `limit` rows per kind."""
    found: dict[str, list[Any]] = {}
    for kind, model in MODELS.items():
        stmt = (
            select(model)
            .where(model.project_id == project_id)
            .order_by(model.created_at.desc(), model.id.desc())
            .limit(limit)
        )
        if model is InvestmentPlan:
            stmt = stmt.options(joinedload(InvestmentPlan.sources))
        elif model is PerformanceGoal:
            stmt = stmt.options(joinedload(PerformanceGoal.indicators))
        found[kind] = list(db.session.scalars(stmt).unique())
    return found


def current_investment_plan(project_id: int) -> InvestmentPlan | None:
    """The project's newest investment plan with its funding sources, or None before the first one."""
    stmt = (
        select(InvestmentPlan)
        .where(InvestmentPlan.project_id == project_id)
        .order_by(InvestmentPlan.version.desc())
        .limit(1)
        .options(joinedload(InvestmentPlan.sources))
    )
    return db.session.scalars(stmt).unique().first()


def _parse(kind: str, answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Typed values, the extra answers and the errors of a submission."""
    spec = fields_of(kind)
    if not isinstance(answers, Mapping):
        raise TypeError("answers must be a mapping of field name to answer")
    values, errors = parse_fields(spec, answers)
    extra, extra_error = _extra(spec, answers)
    if extra_error:
        errors["_form"] = extra_error
    if not errors:
        errors.update(_CROSS_CHECKS.get(kind, _no_rule)(values))
    return values, extra, errors


def _extra(spec: Mapping[str, Field], answers: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """Answers the record has no column for, JSON-safe; an error when their names or size are unacceptable."""
    extra = {k: _jsonable(v) for k, v in answers.items() if k not in spec and k not in PLATFORM_KEYS}
    bad = [k for k in extra if not isinstance(k, str) or not NAME_RE.fullmatch(k)]
    if bad:
        return {}, _("Unknown fields: %(names)s", names=", ".join(str(k)[:40] for k in bad[:5]))
    if len(json.dumps(extra, ensure_ascii=False)) > EXTRA_MAX_CHARS:
        return {}, _("The additional answers are too long.")
    return extra, ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _sum(values: Mapping[str, Any], names: tuple[str, ...]) -> Decimal:
    return sum((values[n] or Decimal(0) for n in names), Decimal(0))


def _amount(value: Decimal) -> str:
    return format(value, "f")


def _no_rule(values: Mapping[str, Any]) -> dict[str, str]:
    return {}


def _check_project_info(values: Mapping[str, Any]) -> dict[str, str]:
    start, end = values["start_year"], values["end_year"]
    if start is not None and end is not None and end < start:
        return {"end_year": _("The end year cannot be before the start year.")}
    return {}


def _check_investment_plan(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    total = values["total"]
    parts = _sum(values, PARTS)
    if parts != total:
        errors["total"] = _(
            "The cost parts add up to %(sum)s, not the total %(total)s.", sum=_amount(parts), total=_amount(total)
        )
    funds = _sum(values, tuple(f"fund_{s}" for s in SOURCES))
    if funds != total:
        errors["fund_central"] = _(
            "The funding sources add up to %(sum)s, not the total %(total)s.", sum=_amount(funds), total=_amount(total)
        )
    return errors


def _check_contract(values: Mapping[str, Any]) -> dict[str, str]:
    if values["end_on"] < values["start_on"]:
        return {"end_on": _("The end date cannot be before the start date.")}
    return {}


def _check_performance_goals(values: Mapping[str, Any]) -> dict[str, str]:
    weights = sum((row["weight"] for row in values["indicators"]), Decimal(0))
    if weights != HUNDRED:
        return {"indicators": _("The weights add up to %(sum)s, not 100.", sum=_amount(weights))}
    return {}


_CROSS_CHECKS: dict[str, Callable[[Mapping[str, Any]], dict[str, str]]] = {
    "project_info": _check_project_info,
    "investment_plan": _check_investment_plan,
    "contract": _check_contract,
    "performance_goals": _check_performance_goals,
}


def _columns(model: type[RecordMixin], values: Mapping[str, Any]) -> dict[str, Any]:
    names = model.__table__.columns.keys()  # type: ignore[attr-defined]
    return {k: v for k, v in values.items() if k in names}


def _write_project_info(project: Project, values: Mapping[str, Any], common: dict[str, Any]) -> ProjectInfoRevision:
    # a blank answer leaves the project's value as it is: the form need not repeat every column
    changes = {k: values[k] for k in PROJECT_COLUMNS if values.get(k) is not None}
    before = {k: _jsonable(getattr(project, k)) for k in changes}
    for key, value in changes.items():
        setattr(project, key, value)
    return ProjectInfoRevision(
        answers=_jsonable(dict(values)), before=before, description=values.get("description"), **common
    )


def _write_investment_plan(project: Project, values: Mapping[str, Any], common: dict[str, Any]) -> InvestmentPlan:
    latest = select(func.max(InvestmentPlan.version)).where(InvestmentPlan.project_id == project.id)
    previous = db.session.scalar(latest)
    plan = InvestmentPlan(
        version=(previous or 0) + 1,
        total=values["total"],
        term_years=values["term_years"],
        **{part: values[part] or Decimal(0) for part in PARTS},
        **common,
    )
    # a source that gives nothing has no row
    plan.sources = [FundingSource(source=s, amount=values[f"fund_{s}"]) for s in SOURCES if values[f"fund_{s}"]]
    return plan


def _write_progress_report(project: Project, values: Mapping[str, Any], common: dict[str, Any]) -> ProgressReport:
    latest = db.session.scalar(select(func.max(ProgressReport.period)).where(ProgressReport.project_id == project.id))
    # a correction of an earlier month does not move the project's cumulative figure back
    if values["investment_completed"] is not None and (latest is None or values["period"] >= latest):
        project.cumulative_investment = values["investment_completed"]
    return ProgressReport(**_columns(ProgressReport, values), **common)


def _write_performance_goals(project: Project, values: Mapping[str, Any], common: dict[str, Any]) -> PerformanceGoal:
    goal = PerformanceGoal(goal=values["goal"], **common)
    goal.indicators = [
        PerformanceIndicator(position=i, **{k: r[k] for k in ("name", "weight", "target")}, extra=_jsonable(r["extra"]))
        for i, r in enumerate(values["indicators"])
    ]
    return goal


def _plain_writer(model: type[RecordMixin]) -> Callable[[Project, Mapping[str, Any], dict[str, Any]], Any]:
    def write_row(project: Project, values: Mapping[str, Any], common: dict[str, Any]) -> Any:
        return model(**_columns(model, values), **common)

    return write_row


_WRITERS: dict[str, Callable[[Project, Mapping[str, Any], dict[str, Any]], Any]] = {
    kind: _plain_writer(model) for kind, model in MODELS.items()
} | {
    "project_info": _write_project_info,
    "investment_plan": _write_investment_plan,
    "progress_report": _write_progress_report,
    "performance_goals": _write_performance_goals,
}
# kinds that change the project row or number their rows lock the project first
_LOCKING = frozenset({"project_info", "investment_plan", "progress_report"})
# kinds the fund reconciliation reads (funds/reconcile.py): a filed contract, a progress report's 累计投资
_RECONCILED = frozenset({"contract", "progress_report"})
