"""Substitutes while absent (代理): name one for a date range, revoke, list."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..audit import services as audit
from ..db import utcnow
from ..engine.routing import today_local
from ..extensions import db
from ..orgs.models import Substitution, User

MAX_DAYS = 366


class SubstitutionError(ValueError):
    """A substitution was refused; the message is for the user."""


def name_substitute(
    user: User, substitute_id: int | None, starts_on: date | None, ends_on: date | None, reason: str
) -> Substitution:
    """Let a colleague of the same organisation act for `user` from `starts_on` to `ends_on` (flush only)."""
    substitute = db.session.get(User, substitute_id) if substitute_id else None
    if substitute is None or substitute.org_id != user.org_id or substitute.id == user.id or not substitute.active:
        raise SubstitutionError(_("Choose a colleague of your own organisation."))
    if starts_on is None or ends_on is None:
        raise SubstitutionError(_("Enter a date as YYYY-MM-DD."))
    if ends_on < starts_on:
        raise SubstitutionError(_("The end date is before the start date."))
    if starts_on < today_local() - timedelta(days=1):
        raise SubstitutionError(_("The start date is in the past."))
    if (ends_on - starts_on).days > MAX_DAYS:
        raise SubstitutionError(_("A substitution lasts at most one year."))
    row = Substitution(
        user_id=user.id, substitute_id=substitute.id, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()[:200]
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "substitution.add",
        "substitution",
        row.id,
        user.id,
        after={"substitute": substitute.username, "from": starts_on.isoformat(), "to": ends_on.isoformat()},
    )
    return row


def revoke_substitution(user: User, substitution_id: int) -> None:
    """End one of the user's own substitutions now (flush only)."""
    row = db.session.get(Substitution, substitution_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise SubstitutionError(_("Choose one of the listed options."))
    row.revoked_at = utcnow()
    db.session.flush()
    audit.record("substitution.revoke", "substitution", row.id, user.id)


def my_substitutions(user: User) -> tuple[list[Substitution], list[User]]:
    """Substitutions the user named or covers (not yet over), and the colleagues they may name."""
    rows = db.session.scalars(
        select(Substitution)
        .where(
            or_(Substitution.user_id == user.id, Substitution.substitute_id == user.id),
            Substitution.ends_on >= today_local() - timedelta(days=30),
        )
        .order_by(Substitution.starts_on.desc())
    ).all()
    colleagues = db.session.scalars(
        select(User)
        .where(User.org_id == user.org_id, User.id != user.id, User.active.is_(True))
        .order_by(User.username)
    ).all()
    return list(rows), list(colleagues)
