"""Organisations and accounts: create, authenticate."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import services as audit
from ..extensions import db
from .models import Organisation, User

# A valid hash for a throwaway password, compared against when the user does not exist so
# that a wrong user name costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def create_org(code: str, name: str, kind: str, level: str = "city", region: str = "市本级") -> Organisation:
    """Add an organisation (flush only)."""
    org = Organisation(code=code, name=name, kind=kind, level=level, region=region)
    db.session.add(org)
    db.session.flush()
    return org


def create_user(username: str, display_name: str, password: str, org: Organisation, is_admin: bool = False) -> User:
    """Add a user with a salted slow password hash (flush only)."""
    user = User(
        username=username,
        display_name=display_name,
        password_hash=generate_password_hash(password, method=current_app.config["ZLW"].password_hash_method),
        org_id=org.id,
        org=org,
        is_admin=is_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user whose password matches, else None; audit the attempt."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        audit.record("auth.login_failed", "user", username[:64])
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        audit.record("auth.login_failed", "user", user.id, user.id)
        return None
    audit.record("auth.login", "user", user.id, user.id)
    return user


def org_by_code(code: str) -> Organisation | None:
    """Find an organisation by its code."""
    return db.session.scalars(select(Organisation).where(Organisation.code == code)).first()
