"""A unit registers a project in the library (项目登记), with every field checked."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..dictionaries import services as dictionaries
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, OrgState, Region, User
from .errors import ProjectFormError
from .levels import LEVEL_NAMES, level_label, levels_at, region_map
from .models import Project
from .services import create_project
from .sheet import CellError, amount

MAX_INVESTMENT = Decimal("100000000")  # 万元: one trillion yuan, far above any single project


def competent_departments(region_id: int | None = None) -> list[Organisation]:
    """Management departments that may be a project's competent department: the city's and the region's."""
    stmt = (
        select(Organisation)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.kind == OrgKind.DEPARTMENT, Organisation.state == OrgState.ACTIVE)
    )
    if region_id is not None:
        stmt = stmt.where((Region.level == "city") | (Region.id == region_id))
    return list(db.session.scalars(stmt.order_by(Region.sort_order, Organisation.name)))


def parse_amount(raw: str, errors: dict[str, str], name: str, required: bool = True) -> Decimal | None:
    """An amount in 万元 with at most four decimals, not negative, at most MAX_INVESTMENT (the import's parser)."""
    if not raw.strip():
        if required:
            errors[name] = _("This field is required.")
        return None
    try:
        value = amount(raw)
    except CellError as exc:
        errors[name] = str(exc)
        return None
    if value is None or value > MAX_INVESTMENT:
        errors[name] = _("Enter an amount between 0 and 100,000,000 (10k yuan).")
        return None
    return value


def _year(raw: str, errors: dict[str, str], name: str) -> int | None:
    text = raw.strip()
    if not text:
        errors[name] = _("This field is required.")
        return None
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        errors[name] = _("Enter a year between 1990 and 2100.")
        return None
    return int(text)


def register_project(user: User, form: Mapping[str, Any]) -> Project:
    """Create a draft project for the user's own unit; every field is checked (flush only)."""
    if user.org.kind != OrgKind.UNIT or user.org.state != OrgState.ACTIVE:
        raise ProjectFormError({"_form": _("Only an active project unit registers projects.")})
    errors: dict[str, str] = {}
    value = {k: str(form.get(k, "") or "") for k in form}
    name = value.get("name", "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > 200:
        errors["name"] = _("At most %(n)s characters.", n=200)
    region = db.session.get(Region, int(value["region_id"])) if value.get("region_id", "").isdigit() else None
    if region is None:
        errors["region_id"] = _("Choose a region.")
    level = value.get("level", "").strip()
    if level and level not in LEVEL_NAMES:
        errors["level"] = _("Choose one of the listed values.")
    elif level and region is not None and level not in levels_at(region, region_map()):
        errors["level"] = _(
            "A %(level)s project cannot be located in %(region)s.", level=level_label(level), region=region.name
        )
    fields: dict[str, Any] = {}
    for field, words in dictionaries.vocabularies(active_only=True).items():
        chosen = value.get(field, "").strip()
        if field == "management_status" and not chosen:
            chosen = "储备"
        if chosen not in words:
            errors[field] = _("Choose one of the listed values.")
        fields[field] = chosen
    category = fields.pop("category")
    dept_raw = value.get("competent_department_id", "")
    allowed = {d.id for d in competent_departments(region.id if region else None)}
    if not dept_raw.isdigit() or int(dept_raw) not in allowed:
        errors["competent_department_id"] = _("Choose the competent department.")
    planned = parse_amount(value.get("planned_investment", ""), errors, "planned_investment")
    if planned is not None and planned == 0:
        errors["planned_investment"] = _("The planned investment must be more than zero.")
    start = _year(value.get("start_year", ""), errors, "start_year")
    end = _year(value.get("end_year", ""), errors, "end_year")
    if start and end and end < start:
        errors["end_year"] = _("The last year cannot be before the first.")
    if errors:
        raise ProjectFormError(errors)
    assert region is not None and planned is not None
    project = create_project(
        None,
        name,
        user.org_id,
        region.name,
        category,
        planned,
        competent_department_id=int(dept_raw),
        level=level or None,
        start_year=start,
        end_year=end,
        **fields,
    )
    audit.record("project.register", "project", project.id, user.id, after={"code": project.code, "name": name})
    return project
