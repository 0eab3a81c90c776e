"""The investment overview: totals and progress by region, category, department, level, state and stage.

Every figure is computed over the same statement as the project list (`library.filtered`), so a group's
drill-down link (the list filtered by the overview's filters plus the group's value) shows exactly the
projects behind the number. Groups the list cannot select (no competent department, lifecycle not
started) are shown without a link. One GROUP BY statement per grouping, plus one for the total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select

from ...dictionaries import services as dictionaries
from ...extensions import db
from ...orgs.models import Organisation, Region, User
from ...projects import library
from ...projects.classification import STAGES
from ...projects.levels import LEVEL_LABELS
from ...projects.models import Project
from ...replica import reports_reads
from .tables import completion_percent, exact


@dataclass(frozen=True)
class Group:
    """One group's figures and the project-list arguments that select exactly its projects (None: none do)."""

    label: str
    count: int
    planned: Decimal
    cumulative: Decimal
    args: dict[str, str] | None

    @property
    def percent(self) -> int | None:
        return completion_percent(self.cumulative, self.planned)


@dataclass(frozen=True)
class Grouping:
    key: str
    title: str
    groups: list[Group]


@dataclass(frozen=True)
class Overview:
    total: Group
    groupings: list[Grouping]


def _base_args(query: library.ProjectQuery) -> dict[str, str]:
    return {k: v for k, v in query.as_args().items() if k not in ("sort", "dir")}


def _condition(user: User, query: library.ProjectQuery) -> ColumnElement[bool]:
    where = library.filtered(user, query).whereclause
    assert where is not None  # the scope is always there
    return where


def _measures() -> tuple[Any, ...]:
    return (
        func.count(Project.id),
        func.sum(Project.planned_investment),
        func.sum(Project.cumulative_investment),
    )


def _group(label: str, n: Any, planned: Any, cumulative: Any, args: dict[str, str] | None) -> Group:
    return Group(str(label), int(n or 0), exact(planned), exact(cumulative), args)


def _by_column(
    where: ColumnElement[bool],
    base: dict[str, str],
    column: Any,
    arg: str,
    order: list[Any],
    label: Callable[[Any], str],
) -> list[Group]:
    """Group the matching projects by one column; values the list filter knows get a link."""
    stmt = select(column, *_measures()).where(where).group_by(column)
    found = {value: row for value, *row in db.session.execute(stmt)}
    known = [v for v in order if v in found]
    rest = sorted((v for v in found if v not in order), key=lambda v: (v is None, str(v)))
    return [_group(label(v), *found[v], {**base, arg: str(v)} if v in order else None) for v in known + rest]


@reports_reads()
def investment_overview(user: User, query: library.ProjectQuery) -> Overview:
    """Totals and progress of the projects the user may see that match `query`, grouped six ways (reports engine)."""
    where = _condition(user, query)
    base = _base_args(query)
    n, planned, cumulative = db.session.execute(select(*_measures()).where(where)).one()
    total = _group(str(_l("All projects")), n, planned, cumulative, base)
    if not total.count:
        return Overview(total, [])

    # regions and departments: aggregate first, then name the groups (the scope stays on projects alone)
    by_region = select(Project.region_id.label("id"), *_labelled()).where(where).group_by(Project.region_id).subquery()
    regions = [
        _group(name, n, p, c, {**base, "region_id": str(rid)})
        for rid, name, n, p, c in db.session.execute(
            select(by_region.c.id, Region.name, by_region.c.n, by_region.c.p, by_region.c.c)
            .join(Region, Region.id == by_region.c.id)
            .order_by(Region.sort_order, Region.id)
        )
    ]
    by_dept = (
        select(Project.competent_department_id.label("id"), *_labelled())
        .where(where)
        .group_by(Project.competent_department_id)
        .subquery()
    )
    departments = [
        _group(
            name if did is not None else str(_l("No competent department")),
            n,
            p,
            c,
            {**base, "competent_department_id": str(did)} if did is not None else None,
        )
        for did, name, n, p, c in db.session.execute(
            select(by_dept.c.id, Organisation.name, by_dept.c.n, by_dept.c.p, by_dept.c.c)
            .outerjoin(Organisation, Organisation.id == by_dept.c.id)
            .outerjoin(Region, Region.id == Organisation.region_id)
            .order_by(by_dept.c.id.is_(None), Region.sort_order, Organisation.name)
        )
    ]
    states = dictionaries.labels("project_state")
    groupings = [
        Grouping("region", str(_l("By region")), regions),
        Grouping(
            "category",
            str(_l("By category")),
            _by_column(
                where, base, Project.category, "category", list(dictionaries.names("category", active_only=False)), str
            ),
        ),
        Grouping("department", str(_l("By competent department")), departments),
        Grouping(
            "level",
            str(_l("By level")),
            _by_column(where, base, Project.level, "level", list(LEVEL_LABELS), lambda v: str(LEVEL_LABELS.get(v, v))),
        ),
        Grouping(
            "state",
            str(_l("By state")),
            _by_column(where, base, Project.state, "state", list(states), lambda v: states.get(v, v)),
        ),
        Grouping(
            "stage",
            str(_l("By lifecycle stage")),
            _by_column(
                where,
                base,
                Project.stage,
                "stage",
                list(STAGES),
                lambda v: STAGES.get(v, str(v)) if v is not None else str(_l("Not started")),
            ),
        ),
    ]
    return Overview(total, groupings)


def _labelled() -> tuple[Any, ...]:
    n, planned, cumulative = _measures()
    return (n.label("n"), planned.label("p"), cumulative.label("c"))


__all__ = ["Group", "Grouping", "Overview", "investment_overview"]


def filter_choices() -> dict[str, Any]:
    """Regions, competent departments and vocabularies for the reports' filter form (two short queries)."""
    from ...orgs.models import OrgKind

    regions = db.session.scalars(select(Region).order_by(Region.sort_order, Region.id)).all()
    departments = db.session.scalars(
        select(Organisation)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.kind == OrgKind.DEPARTMENT, Organisation.dept_type != "admin")
        .order_by(Region.sort_order, Organisation.name)
    ).all()
    return {
        "regions": regions,
        "departments": departments,
        "stages": STAGES,
        "categories": dictionaries.names("category", active_only=False),
    }
