"""Account security: password policy, sign-in with lockout, rate limits in the database, TOTP, disabling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import services as audit
from ..db import is_postgres, utcnow
from ..extensions import db
from .models import Organisation, OrgState, RateLimitCounter, User
from .services import hash_password
from .totp import new_totp_secret, totp_code, totp_uri, verify_totp

__all__ = ["new_totp_secret", "totp_code", "totp_uri", "verify_totp"]  # re-exported for callers

# Password policy (等保 2.0 level 3, ASVS 2.1): length, three of four classes, no user name, not common.
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 128
PASSWORD_MIN_CLASSES = 3
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Lockout: this many failed sign-ins in a row lock the account for LOCK_DURATION.
MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=30)

# Sign-in attempts (password or code) per client address per minute, and per user name per hour.
LOGIN_IP_WINDOW_SECONDS = 60
LOGIN_USER_WINDOW_SECONDS = 3600


class SecurityError(Exception):
    """Base of the account-security errors."""


class LoginFailedError(SecurityError):
    """Wrong user name or password, or the account may not sign in (one message for all)."""


class RegistrationPendingError(LoginFailedError):
    """The password is right but the organisation's registration is not approved (yet)."""

    def __init__(self, state: str, note: str | None) -> None:
        super().__init__(state)
        self.state = state
        self.note = note


class WrongCodeError(SecurityError):
    """The TOTP code is not the current one."""


class WrongPasswordError(SecurityError):
    """The current password given to confirm a change is wrong."""


class AccountLockedError(SecurityError):
    """Too many failed attempts; the account is locked until `until` (UTC)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until)
        self.until = until


class RateLimitedError(SecurityError):
    """Too many requests for one key in its window; retry after `retry_after` seconds."""

    def __init__(self, key: str, retry_after: int) -> None:
        super().__init__(key, retry_after)
        self.key = key
        self.retry_after = retry_after


class PasswordPolicyError(SecurityError):
    """The new password breaks the policy; `problems` are translated messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class SignIn:
    """The outcome of a right password: signed in (`step` None) or a second step is due."""

    user: User
    step: str | None  # None, "totp" (enter a code) or "totp_setup" (enrol first)


# --- password policy -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The refused common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str) -> list[str]:
    """Return what is wrong with `password` for `username` as translated messages; empty when it is fine."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(_("The password must be at least %(n)d characters long.", n=PASSWORD_MIN_LENGTH))
    if len(password) > PASSWORD_MAX_LENGTH:
        problems.append(_("The password must be at most %(n)d characters long.", n=PASSWORD_MAX_LENGTH))
    classes = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
    )
    if sum(classes) < PASSWORD_MIN_CLASSES:
        problems.append(
            _("The password must mix at least three of: lower-case letters, upper-case letters, digits, symbols.")
        )
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        problems.append(_("The password must not contain the user name."))
    if password.lower() in common_passwords():
        problems.append(_("This password is too common; choose another."))
    return problems


# --- rate limits -----------------------------------------------------------------------------


def _hit(key: str, window_seconds: int) -> tuple[int, datetime]:
    """Count one hit on `key` atomically (upsert); return the count and start of its current window."""
    now = utcnow()
    table = RateLimitCounter.__table__
    expired = table.c.window_start <= now - timedelta(seconds=window_seconds)
    stmt = (pg_insert if is_postgres() else sqlite_insert)(table).values(key=key, window_start=now, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((expired, 1), else_=table.c.count + 1),
            "window_start": case((expired, stmt.excluded.window_start), else_=table.c.window_start),
        },
    ).returning(table.c.count, table.c.window_start)
    count, start = db.session.execute(stmt).one()
    return count, start


def rate_limit(key: str, limit: int, window_seconds: int) -> None:
    """Count one request on `key`; raise RateLimitedError past `limit` in `window_seconds`.

    The count is written in the caller's transaction: commit it even when the request fails.
    """
    key = key[:200]
    count, start = _hit(key, window_seconds)
    if count <= limit:
        return
    if count == limit + 1:  # the first refusal of a window is audited, not every one (no log flooding)
        audit.record("auth.rate_limited", "rate_limit", key[:64], None, limit=limit, window=window_seconds)
    retry_after = (start + timedelta(seconds=window_seconds) - utcnow()).total_seconds()
    raise RateLimitedError(key, max(1, int(retry_after) + 1))


def purge_rate_limits(older_than: timedelta = timedelta(days=1)) -> int:
    """Delete counters whose window started before `older_than` ago; return how many (for a periodic job)."""
    cutoff = utcnow() - older_than
    return db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.window_start < cutoff)).rowcount


def _limit_login(username: str, address: str | None) -> None:
    cfg = current_app.config["ZLW"]
    rate_limit(f"login:ip:{address or '-'}", cfg.login_limit_per_ip, LOGIN_IP_WINDOW_SECONDS)
    rate_limit(f"login:user:{username.lower()}", cfg.login_limit_per_user, LOGIN_USER_WINDOW_SECONDS)


# --- sign-in and lockout ---------------------------------------------------------------------


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password-0", method=method)


def _password_matches(user: User | None, password: str) -> bool:
    """Check the password; an unknown user costs the same hash time as a known one."""
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["ZLW"].password_hash_method), password)
        return False
    return check_password_hash(user.password_hash, password)


def _refuse_if_locked(user: User) -> None:
    if user.locked_until is not None and user.locked_until > utcnow():
        audit.record("auth.login_failed", "user", user.id, user.id, reason="locked")
        raise AccountLockedError(user.locked_until)


def _count_failure(user: User, reason: str) -> None:
    """Add one failed attempt atomically (concurrent failures all count); lock at the limit."""
    no_sync = {"synchronize_session": False}
    count = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins),
        execution_options=no_sync,
    ).scalar_one()
    audit.record("auth.login_failed", "user", user.id, user.id, reason=reason, failures=count)
    db.session.expire(user, ["failed_logins", "locked_until"])
    if count < MAX_FAILED_LOGINS:
        return
    until = utcnow() + LOCK_DURATION
    locked = db.session.execute(
        update(User)
        .where(User.id == user.id, User.failed_logins >= MAX_FAILED_LOGINS)
        .values(failed_logins=0, locked_until=until),
        execution_options=no_sync,
    ).rowcount
    if locked:  # only the attempt that set the lock records it
        audit.record("auth.locked", "user", user.id, user.id, until=until.isoformat())
    raise AccountLockedError(until)


def _fail_unknown_user(username: str) -> NoReturn:
    """Refuse an unknown user name the way a known one is refused, lockout message included."""
    audit.record("auth.login_failed", "user", username[:64], None, reason="unknown_user")
    count, start = _hit(f"login:unknown:{username.lower()}", int(LOCK_DURATION.total_seconds()))
    if count >= MAX_FAILED_LOGINS:
        raise AccountLockedError(start + LOCK_DURATION)
    raise LoginFailedError


def needs_second_factor(user: User) -> bool:
    """Tell whether the user must give a TOTP code: the organisation requires it, or the user enrolled."""
    return bool(user.org.require_totp or user.totp_secret)


def _record_login(user: User, **detail: object) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record("auth.login", "user", user.id, user.id, **detail)
    db.session.flush()


def sign_in(username: str, password: str, address: str | None) -> SignIn:
    """Check a user name and password; sign in, or say which second step is due.

    Raises RateLimitedError, AccountLockedError or LoginFailedError; the caller commits either way
    so that counters, locks and audit events are kept.
    """
    _limit_login(username, address)
    user = db.session.scalars(select(User).where(User.username == username)).first()
    matches = _password_matches(user, password)
    if user is None:
        _fail_unknown_user(username)
    _refuse_if_locked(user)
    if not matches:
        _count_failure(user, "password")
        raise LoginFailedError
    if not user.is_active:
        audit.record("auth.login_failed", "user", user.id, user.id, reason="inactive")
        if user.active and user.org.state in (OrgState.PENDING, OrgState.REJECTED):
            raise RegistrationPendingError(user.org.state, user.org.review_note)
        raise LoginFailedError
    if needs_second_factor(user):
        return SignIn(user, "totp" if user.totp_secret else "totp_setup")
    _record_login(user)
    return SignIn(user, None)


def finish_sign_in(user_id: int, epoch: int, code: str, address: str | None, new_secret: str | None = None) -> User:
    """Complete a sign-in with a TOTP code (enrolling `new_secret` first when given); return the user.

    `epoch` is the user's session epoch at the password step: a change since then refuses.
    Wrong codes count toward the lockout. Raises RateLimitedError, AccountLockedError,
    LoginFailedError or WrongCodeError; the caller commits either way.
    """
    user = db.session.get(User, user_id)
    if user is None or user.session_epoch != epoch or not user.is_active:
        raise LoginFailedError
    _limit_login(user.username, address)
    _refuse_if_locked(user)
    if (new_secret is None) == (user.totp_secret is None):
        raise LoginFailedError  # enrolled meanwhile, or asked for a code without a secret
    secret = new_secret or user.totp_secret or ""
    if not verify_totp(secret, code):
        _count_failure(user, "totp")
        raise WrongCodeError
    if new_secret is not None:
        user.totp_secret = new_secret
        audit.record("auth.totp_enrolled", "user", user.id, user.id)
    _record_login(user, second_factor="totp")
    return user


# --- account changes -------------------------------------------------------------------------


def _confirm_password(user: User, password: str, reason: str) -> None:
    if not check_password_hash(user.password_hash, password):
        _count_failure(user, reason)
        raise WrongPasswordError


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """Check the current password and the policy, set the new one and end the user's other sessions."""
    _confirm_password(user, current, "password_change")
    problems = check_password(new, user.username)
    if new != repeat:
        problems.insert(0, _("The two new passwords differ."))
    if new == current:
        problems.append(_("The new password must differ from the current one."))
    if problems:
        raise PasswordPolicyError(problems)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.session_epoch = User.session_epoch + 1  # every session of the user ends; the caller signs in again
    audit.record("auth.password_changed", "user", user.id, user.id)
    db.session.flush()


def enrol_totp(user: User, password: str, secret: str, code: str) -> None:
    """Set (or replace) the user's TOTP secret once the password and a first code confirm it."""
    _confirm_password(user, password, "totp_enrol")
    if not verify_totp(secret, code):
        raise WrongCodeError
    user.totp_secret = secret
    audit.record("auth.totp_enrolled", "user", user.id, user.id)
    db.session.flush()


def set_require_totp(org: Organisation, required: bool, actor: User) -> None:
    """Require (or stop requiring) a TOTP code from everyone in the organisation."""
    org.require_totp = required
    audit.record("org.require_totp", "organisation", org.id, actor.id, required=required)
    db.session.flush()


def disable_user(user: User, actor: User) -> None:
    """Disable the account and end every session of it at once (its session epoch moves on)."""
    user.active = False
    user.session_epoch = User.session_epoch + 1
    audit.record("user.disabled", "user", user.id, actor.id)
    db.session.flush()
