"""The expert pool (专家库) the online review draws from: search, add, edit, availability."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..audit import services as audit
from ..extensions import db
from ..orgs.models import Expert, OrgKind, Region, User

PER_PAGE = 20


class ExpertError(ValueError):
    """Expert input is wrong; `errors` maps field to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def may_view(user: User) -> bool:
    """Departments and administrators see the pool; units and agencies do not (avoidance, 回避)."""
    return user.org.kind == OrgKind.DEPARTMENT


def may_manage(user: User) -> bool:
    """Region administrators keep the pool of their region."""
    return user.is_region_admin


def search(
    user: User, text: str = "", region_id: int | None = None, available_only: bool = False, page: int = 1
) -> tuple[list[Expert], int]:
    """Experts matching a name, employer or specialty, newest first, one page at a time."""
    where = []
    if text:
        like = f"%{text.strip()[:50]}%"
        where.append(
            or_(Expert.name.like(like), Expert.employer.like(like), func.cast(Expert.specialties, db.String).like(like))
        )
    if region_id:
        where.append(Expert.region_id == region_id)
    if available_only:
        where.append(Expert.available.is_(True))
    total = db.session.scalar(select(func.count(Expert.id)).where(*where)) or 0
    rows = db.session.scalars(
        select(Expert).where(*where).order_by(Expert.id.desc()).limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)
    ).all()
    return list(rows), int(total)


def _clean(form: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = str(form.get("name", "")).strip()
    employer = str(form.get("employer", "")).strip()
    specialties = [
        s.strip()
        for s in str(form.get("specialties", "")).replace("，", ",").replace("、", ",").split(",")
        if s.strip()
    ]
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > 50:
        errors["name"] = _("At most %(n)d characters.", n=50)
    if not employer:
        errors["employer"] = _("This field is required.")
    elif len(employer) > 200:
        errors["employer"] = _("At most %(n)d characters.", n=200)
    if not specialties:
        errors["specialties"] = _("Enter at least one specialty.")
    elif len(specialties) > 10 or any(len(s) > 30 for s in specialties):
        errors["specialties"] = _("At most 10 specialties of 30 characters each.")
    region = db.session.get(Region, int(form["region_id"])) if str(form.get("region_id", "")).isdigit() else None
    if region is None:
        errors["region_id"] = _("Choose one of the listed options.")
    phone = str(form.get("phone", "")).strip()[:30] or None
    conflicts = [
        c.strip() for c in str(form.get("conflicts", "")).replace("，", ",").replace("、", ",").split(",") if c.strip()
    ]
    if len(conflicts) > 20 or any(len(c) > 200 for c in conflicts):
        errors["conflicts"] = _("At most 20 conflicts of 200 characters each.")
    if errors:
        raise ExpertError(errors)
    return {
        "name": name,
        "employer": employer,
        "specialties": specialties,
        "region_id": region.id,  # type: ignore[union-attr]
        "phone": phone,
        "conflicts": conflicts,
        "available": form.get("available") in ("1", "on", "true"),
        "availability_note": str(form.get("availability_note", "")).strip()[:200] or None,
    }


def add_expert(admin: User, form: Mapping[str, Any]) -> Expert:
    """Add an expert to the pool (flush only)."""
    expert = Expert(**_clean(form))
    db.session.add(expert)
    db.session.flush()
    audit.record("expert.add", "expert", expert.id, admin.id, after={"name": expert.name})
    return expert


def update_expert(admin: User, expert_id: int, form: Mapping[str, Any]) -> Expert:
    """Change an expert's record, availability included (flush only)."""
    expert = db.session.get(Expert, expert_id)
    if expert is None:
        raise LookupError(expert_id)
    values = _clean(form)
    before = {k: getattr(expert, k) for k in values}
    for key, value in values.items():
        setattr(expert, key, value)
    db.session.flush()
    audit.record("expert.update", "expert", expert.id, admin.id, before=before, after=values)
    return expert
