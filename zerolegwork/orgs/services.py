"""Organisations and accounts: create them (signing in is in security.py)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from .models import Organisation, OrgLevel, Region, User
from .reference import CITY, CITY_AREA, DISTRICTS


def ensure_regions() -> dict[str, Region]:
    """Create the seed's city and its districts once (a real city: `flask zlw setup`); return them by name."""
    existing = {r.name: r for r in db.session.scalars(select(Region))}
    if CITY[1] not in existing:
        existing[CITY[1]] = Region(code=CITY[0], name=CITY[1], level=OrgLevel.CITY, sort_order=0, area_name=CITY_AREA)
        db.session.add(existing[CITY[1]])
        db.session.flush()
    city = existing[CITY[1]]
    for order, (code, name) in enumerate(DISTRICTS, start=1):
        if name not in existing:
            existing[name] = Region(code=code, name=name, level=OrgLevel.DISTRICT, parent_id=city.id, sort_order=order)
            db.session.add(existing[name])
    db.session.flush()
    return existing


def region_by_name(name: str) -> Region | None:
    """Find a region by its name (市本级, 东河区, …)."""
    return db.session.scalars(select(Region).where(Region.name == name)).first()


def create_org(code: str, name: str, kind: str, region: Region, **fields: Any) -> Organisation:
    """Add an organisation (flush only)."""
    org = Organisation(code=code, name=name, kind=kind, region_id=region.id, region=region, **fields)
    db.session.add(org)
    db.session.flush()
    audit.record("org.create", "organisation", org.id, None, after={"code": code, "name": name, "kind": kind})
    return org


def create_user(
    username: str, display_name: str, password: str, org: Organisation, active: bool = True, **flags: Any
) -> User:
    """Add a user with a salted slow password hash (flush only)."""
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        org_id=org.id,
        org=org,
        active=active,
        **flags,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, None, after={"username": username, "org": org.code, **flags})
    return user


def hash_password(password: str) -> str:
    """Salted slow hash (scrypt by default; tests choose a cheaper method)."""
    return generate_password_hash(password, method=current_app.config["ZLW"].password_hash_method)


def org_by_code(code: str) -> Organisation | None:
    """Find an organisation by its code."""
    return db.session.scalars(select(Organisation).where(Organisation.code == code)).first()
