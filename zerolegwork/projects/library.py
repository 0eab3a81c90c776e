"""The project library (项目库): filtered and sorted lists, saved filters, functions chosen per project."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import Select, delete, func, or_, select

from ..audit import services as audit
from ..dictionaries import services as dictionaries
from ..dictionaries.defaults import FIELD_KINDS
from ..extensions import db
from ..orgs.models import User
from . import functions as catalog
from .classification import LEVELS, STAGES
from .errors import ProjectNotFoundError
from .levels import LEVEL_NAMES, region_map, subtree_ids
from .models import Project, ProjectFunction, ProjectState, SavedFilter

# sort key -> column; the list never sorts by anything a user typed
SORTS = {
    "code": Project.code,
    "name": Project.name,
    "created": Project.id,
    "planned": Project.planned_investment,
    "cumulative": Project.cumulative_investment,
    "category": Project.category,
    "investment_policy": Project.investment_policy,
    "industry_type": Project.industry_type,
    "construction_mode": Project.construction_mode,
    "investment_mode": Project.investment_mode,
    "management_status": Project.management_status,
    "region": Project.region_id,
    "level": Project.level,
    "state": Project.state,
    "stage": Project.stage,
}
MAX_SAVED_FILTERS = 50


@dataclass
class ProjectQuery:
    """What a project list shows: filters by every classification field, a search, a sort."""

    q: str = ""
    region_id: int | None = None
    within: int | None = None  # located in this region or below it (the regional table's 本级 rows)
    level: str = ""
    category: str = ""
    investment_policy: str = ""
    industry_type: str = ""
    construction_mode: str = ""
    investment_mode: str = ""
    management_status: str = ""
    state: str = ""
    stage: str = ""
    competent_department_id: int | None = None
    sort: str = "created"
    desc: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Any) -> ProjectQuery:
        """Read the query from request arguments; values outside the vocabularies are dropped."""
        query = cls()
        query.q = str(args.get("q", "")).strip()[:100]
        for name in ("region_id", "within", "competent_department_id"):
            raw = str(args.get(name, ""))
            setattr(query, name, int(raw) if raw.isdigit() and len(raw) < 10 else None)
        for name, values in dictionaries.vocabularies(active_only=False).items():
            value = str(args.get(name, ""))
            setattr(query, name, value if value in values else "")
        level = str(args.get("level", ""))
        query.level = level if level in LEVEL_NAMES else ""
        state = str(args.get("state", ""))
        query.state = state if state in set(ProjectState) else ""
        stage = str(args.get("stage", ""))
        query.stage = stage if stage in STAGES else ""
        sort = str(args.get("sort", "created"))
        query.sort = sort if sort in SORTS else "created"
        query.desc = str(args.get("dir", "desc" if query.sort == "created" else "asc")) == "desc"
        return query

    def as_args(self) -> dict[str, str]:
        """The non-empty filters as request arguments (for links, saved filters and exports)."""
        out: dict[str, str] = {}
        for f in fields(self):
            if f.name in ("extra", "desc"):
                continue
            value = getattr(self, f.name)
            if value not in ("", None) and not (f.name == "sort" and value == "created"):
                out[f.name] = str(value)
        if self.sort != "created" or not self.desc:
            out["dir"] = "desc" if self.desc else "asc"
        return out

    def active(self) -> bool:
        return any(k not in ("sort", "dir") for k in self.as_args())


def _scoped(user: User) -> Select[tuple[Project]]:
    from ..permissions import project_scope

    return select(Project).where(project_scope(user))


def filtered(user: User, query: ProjectQuery) -> Select[tuple[Project]]:
    """The statement for the projects a user may see that match the query, sorted."""
    stmt = _scoped(user)
    if query.q:
        like = "%" + query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Project.name.like(like, escape="\\"), Project.code.like(like, escape="\\")))
    for name in FIELD_KINDS:  # an entry's old names (renamed) find the projects that still hold them
        value = getattr(query, name)
        if value:
            stmt = stmt.where(getattr(Project, name).in_(dictionaries.words_for(FIELD_KINDS[name], value)))
    for name in ("level", "state", "stage", "region_id", "competent_department_id"):
        value = getattr(query, name)
        if value not in ("", None):
            stmt = stmt.where(getattr(Project, name) == value)
    if query.within is not None:
        stmt = stmt.where(Project.region_id.in_(subtree_ids(query.within, region_map())))
    column = SORTS[query.sort]
    order = column.desc() if query.desc else column.asc()
    return stmt.order_by(order, Project.id.desc())


def list_projects(user: User, query: ProjectQuery, page: int = 1, per_page: int = 20) -> tuple[list[Project], int]:
    """One page of the matching projects and the total count."""
    stmt = filtered(user, query)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(rows), int(total)


def saved_filters(user: User) -> list[SavedFilter]:
    """The user's own saved filters and those colleagues of the same organisation shared."""
    return list(
        db.session.scalars(
            select(SavedFilter)
            .where(or_(SavedFilter.user_id == user.id, (SavedFilter.org_id == user.org_id) & SavedFilter.shared))
            .order_by(SavedFilter.name)
        )
    )


class SavedFilterError(ValueError):
    """A saved filter that cannot be kept (no name, too many, nothing to save)."""


def save_filter(user: User, name: str, query: ProjectQuery, shared: bool = False) -> SavedFilter:
    """Keep the current filters under a name (flush only); the same name replaces the user's earlier one."""
    name = name.strip()[:60]
    if not name:
        raise SavedFilterError("name")
    existing = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name))
    if existing is None:
        count = db.session.scalar(select(func.count()).where(SavedFilter.user_id == user.id)) or 0
        if count >= MAX_SAVED_FILTERS:
            raise SavedFilterError("too_many")
        existing = SavedFilter(user_id=user.id, org_id=user.org_id, name=name)
        db.session.add(existing)
    existing.query = urlencode(query.as_args())[:1000]
    existing.shared = shared
    db.session.flush()
    return existing


def delete_filter(user: User, filter_id: int) -> None:
    """Remove one of the user's own saved filters (flush only); others' filters are not found."""
    db.session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user.id))


def filter_args(saved: SavedFilter) -> dict[str, str]:
    return dict(parse_qsl(saved.query))


def chosen_functions(project_id: int) -> dict[str, list[str]]:
    """The functions a project chose, per process, in catalog order."""
    rows = db.session.execute(
        select(ProjectFunction.process, ProjectFunction.function).where(ProjectFunction.project_id == project_id)
    ).all()
    chosen: dict[str, list[str]] = {}
    for process, function in rows:
        chosen.setdefault(process, []).append(function)
    return catalog.as_process_data(chosen)


class FunctionChoiceError(ValueError):
    """A function that is not in the catalog."""


def may_choose_functions(user: User, project: Project) -> bool:
    """The unit chooses its project's functions; later its competent department may change them."""
    return user.org_id in (project.unit_id, project.competent_department_id)


def choose_functions(user: User, project: Project, chosen: dict[str, list[str]]) -> dict[str, list[str]]:
    """Replace the project's chosen functions (flush only); the change is audited with before and after."""
    if not may_choose_functions(user, project):
        raise ProjectNotFoundError(str(project.id))
    for process, keys in chosen.items():
        for key in keys:
            if not catalog.valid_choice(process, key):
                raise FunctionChoiceError(f"{process}.{key}")
    before = chosen_functions(project.id)
    after = catalog.as_process_data(chosen)
    if before == after:
        return after
    db.session.execute(delete(ProjectFunction).where(ProjectFunction.project_id == project.id))
    db.session.add_all(
        ProjectFunction(project_id=project.id, process=process, function=key)
        for process, keys in after.items()
        for key in keys
    )
    db.session.flush()
    audit.record("project.functions", "project", project.id, user.id, before=before, after=after)
    return after


__all__ = ["LEVELS", "ProjectQuery", "choose_functions", "chosen_functions", "filtered", "list_projects"]
