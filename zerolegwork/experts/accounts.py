"""Experts as users: each region's pool is an organisation of kind "expert" (专家库) holding its experts' accounts.

An expert's account belongs to the 专家库 of the expert's region, never to a unit, agency or
department, so every scope written for those kinds (project_scope, inbox, notifications, reports)
gives an expert nothing; the panel pages are the only place an expert reads, and only their own panels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..extensions import db
from ..orgs import services as orgs
from ..orgs.models import Expert, Organisation, OrgKind, Region, User
from ..registration.services import credential_errors
from .draw import region_subtree
from .errors import FormError


def is_expert(user: User) -> bool:
    """Whether the user signs in as an expert."""
    return user.org.kind == OrgKind.EXPERT


def expert_of(user: User) -> Expert | None:
    """The pool entry of an expert user."""
    if not is_expert(user):
        return None
    return db.session.scalars(select(Expert).where(Expert.user_id == user.id)).first()


def pool_org(region: Region) -> Organisation:
    """The region's 专家库 organisation, created on first use (flush only)."""
    code = f"experts_{region.code}"
    found = orgs.org_by_code(code)
    if found is not None:
        return found
    return orgs.create_org(code, f"{region.name}专家库", OrgKind.EXPERT, region)


def may_create_account(admin: User, expert: Expert) -> bool:
    """A region administrator creates accounts for the pool experts of the own region and below."""
    return admin.is_region_admin and expert.region_id in region_subtree(admin.org.region_id)


def create_account(admin: User, expert_id: int, form: Mapping[str, Any]) -> User:
    """Give a pool expert an account with an initial password (the accounts rules); flush only."""
    expert = db.session.get(Expert, expert_id)
    if expert is None or not may_create_account(admin, expert):
        raise LookupError(expert_id)
    errors: dict[str, str] = {}
    if expert.user_id is not None:
        errors["username"] = _("This expert already has an account.")
        raise FormError(errors)
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    errors.update(credential_errors(username, password, str(form.get("password_repeat", ""))))
    if errors:
        raise FormError(errors)
    user = orgs.create_user(username, expert.name, password, pool_org(expert.region), phone=expert.phone)
    expert.user_id = user.id
    db.session.flush()
    audit.record("expert.account", "expert", expert.id, admin.id, after={"username": username})
    return user
