"""One truth per figure (issue 12 item 2): forms start from the project's current values, changes are shown.

- `starting_values(kind, project)`: what a record-writing form starts from — every field of 项目信息
  from the project itself (registration and later approved changes), the investment plan from the
  newest plan — so a unit never types twice what the platform already knows.
- `changes_in(task_ids)`: what the record written by one of those tasks changed, field by field
  (old → new), for the reviewer's task page: a 项目信息 revision against the project's values before it,
  an investment plan against the plan before it.
- `follow_approved_plan(project_id)`: once the plan is approved, the project's 计划投资 is the plan's total
  (history kept in the plan versions and the audit log).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..extensions import db
from ..projects.models import Project
from .fields import PARTS, SOURCES
from .models import InvestmentPlan, ProjectInfoRevision
from .services import PROJECT_COLUMNS, current_investment_plan

SHOWN_KINDS = ("project_info", "investment_plan")  # records whose changes a reviewer is shown


@dataclass(frozen=True)
class Change:
    """One field a record changed: its form field name, the value before and the value now (as text)."""

    name: str
    before: str
    after: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.4f}"
    return str(value)


def starting_values(kind: str | None, project: Project | None) -> dict[str, str]:
    """The values a form writing `kind` starts from for this project ({} for other kinds)."""
    if project is None or kind not in SHOWN_KINDS:
        return {}
    if kind == "project_info":
        values = {name: _text(getattr(project, name, None)) for name in PROJECT_COLUMNS}
        return {k: v for k, v in values.items() if v}
    plan = current_investment_plan(project.id)
    if plan is None:
        return {"total": _text(project.planned_investment)} if project.planned_investment else {}
    return _plan_values(plan)


def _plan_values(plan: InvestmentPlan) -> dict[str, str]:
    values = {"total": _text(plan.total), "term_years": str(plan.term_years)}
    values.update({part: _text(getattr(plan, part)) for part in PARTS})
    amounts = {s.source: s.amount for s in plan.sources}
    values.update({f"fund_{source}": _text(amounts[source]) for source in SOURCES if source in amounts})
    return values


def changes_in(task_ids: Iterable[int]) -> list[Change]:
    """What the newest 项目信息 revision or investment plan written by one of these tasks changed."""
    ids = list(task_ids)
    if not ids:
        return []
    revision = db.session.scalars(
        select(ProjectInfoRevision)
        .where(ProjectInfoRevision.task_id.in_(ids))
        .order_by(ProjectInfoRevision.id.desc())
        .limit(1)
    ).first()
    if revision is not None:
        answers = revision.answers or {}
        return [
            Change(name, _text(old), _text(answers.get(name)))
            for name, old in (revision.before or {}).items()
            if _same(old, answers.get(name)) is False
        ]
    plan = db.session.scalars(
        select(InvestmentPlan)
        .where(InvestmentPlan.task_id.in_(ids))
        .order_by(InvestmentPlan.version.desc())
        .limit(1)
        .options(joinedload(InvestmentPlan.sources))
    ).first()
    if plan is None or plan.version == 1:
        return []
    previous = db.session.scalars(
        select(InvestmentPlan)
        .where(InvestmentPlan.project_id == plan.project_id, InvestmentPlan.version == plan.version - 1)
        .options(joinedload(InvestmentPlan.sources))
    ).first()
    if previous is None:
        return []
    old, new = _plan_values(previous), _plan_values(plan)
    return [Change(name, old.get(name, ""), new.get(name, "")) for name in new | old if _differs(old, new, name)]


def _same(old: Any, new: Any) -> bool:
    """Whether two stored values are equal, comparing amounts as numbers (12800 == 12800.0000)."""
    try:
        return Decimal(str(old)) == Decimal(str(new))
    except ArithmeticError:
        return str(old) == str(new)


def _differs(old: dict[str, str], new: dict[str, str], name: str) -> bool:
    a, b = old.get(name) or "0", new.get(name) or "0"
    return not _same(a, b)


def follow_approved_plan(project_id: int, actor_id: int | None) -> Decimal | None:
    """Set the project's 计划投资 to its newest plan's total (flush only); the new amount, or None if unchanged."""
    plan = current_investment_plan(project_id)
    if plan is None:
        return None
    before = db.session.scalar(select(Project.planned_investment).where(Project.id == project_id))
    if before is not None and before == plan.total:
        return None
    db.session.execute(update(Project).where(Project.id == project_id).values(planned_investment=plan.total))
    audit.record(
        "project.planned_investment",
        "project",
        project_id,
        actor_id,
        before=_text(before),
        after=_text(plan.total),
        plan_version=plan.version,
    )
    return plan.total
