"""A department's list of reconciliation exceptions over the projects it sees (permissions.project_scope).

Filtered by region (the region and those below it), funding source and rule; two statements a page
(the rows with their projects, and the count), whatever the number of exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from ..extensions import db
from ..orgs.models import OrgKind, User
from ..permissions import project_scope
from ..projects.levels import region_map, subtree_ids
from ..projects.models import Project
from .models import ExceptionRule, FundException

LISTERS = (OrgKind.DEPARTMENT, OrgKind.UNIT)


def may_list(user: User) -> bool:
    """Departments see the exceptions of the projects in their scope; a unit those of its own projects."""
    return user.org.kind in LISTERS


@dataclass
class ExceptionQuery:
    """The list's filters; anything not offered reads as no filter."""

    region_id: int | None = None
    source: str = ""
    rule: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str], sources: Mapping[str, str]) -> ExceptionQuery:
        raw = str(args.get("region_id", "") or "")
        region_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        source = str(args.get("source", "") or "")
        rule = str(args.get("rule", "") or "")
        return cls(region_id, source if source in sources else "", rule if rule in tuple(ExceptionRule) else "")

    def args(self) -> dict[str, str]:
        values = (("region_id", str(self.region_id or "")), ("source", self.source), ("rule", self.rule))
        return {k: v for k, v in values if v}


def filtered(user: User, query: ExceptionQuery) -> Select:  # type: ignore[type-arg]
    """The exceptions the user may see under the filters, with their projects."""
    stmt = (
        select(FundException, Project).join(Project, Project.id == FundException.project_id).where(project_scope(user))
    )
    if query.region_id is not None:
        stmt = stmt.where(Project.region_id.in_(subtree_ids(query.region_id, region_map())))
    if query.source:
        stmt = stmt.where(FundException.source == query.source)
    if query.rule:
        stmt = stmt.where(FundException.rule == query.rule)
    return stmt


def list_exceptions(
    user: User, query: ExceptionQuery, page: int = 1, per_page: int = 20
) -> tuple[list[tuple[FundException, Project]], int]:
    """One page of the user's exceptions (by project, then rule) and how many there are."""
    if not may_list(user):
        return [], 0
    stmt = filtered(user, query)
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(FundException.id).subquery()))
    rows = db.session.execute(
        stmt.order_by(Project.code, FundException.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [(e, p) for e, p in rows], int(total or 0)
