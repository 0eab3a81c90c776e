"""Issue, revoke, list and check API tokens; a token acts as one user, so the access policy applies unchanged."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..orgs import services as orgs
from ..orgs.models import OrgKind, OrgState, User
from .errors import TokenError, TokenIssueError
from .models import ApiToken, TokenScope

TOKEN_PREFIX = "zlw_"  # noqa: S105 - marks our tokens, not a secret
# a token's last use is written at most this often (a read should not write on every call)
TOUCH_EVERY = timedelta(minutes=1)
MAX_DAYS = 3650


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    org_code: str,
    name: str,
    scopes: Iterable[str] = (TokenScope.READ,),
    days: int = 365,
    username: str | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for an organisation (flush only); return the row and the token, which is never kept.

    The token acts as `username` (a person of the organisation) or, by default, as the organisation's
    service account `api.<org code>`, created on first use with a password nobody knows. Importing
    budget arrangements (`budget:write`) is for finance departments only.
    """
    org = orgs.org_by_code(org_code)
    if org is None:
        raise TokenIssueError("unknown_org", org_code)
    if org.state != OrgState.ACTIVE:
        raise TokenIssueError("inactive_org", org_code)
    wanted = sorted(set(scopes) or {TokenScope.READ})
    unknown = [s for s in wanted if s not in set(TokenScope)]
    if unknown:
        raise TokenIssueError("scope", ", ".join(unknown))
    if TokenScope.BUDGET_WRITE in wanted and not (org.kind == OrgKind.DEPARTMENT and org.dept_type == "finance"):
        raise TokenIssueError("scope", "budget:write is for finance departments")
    if not 1 <= days <= MAX_DAYS:
        raise TokenIssueError("days", str(days))
    user = _acting_user(org, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name.strip()[:100] or org.name[:100],
        org_id=org.id,
        user_id=user.id,
        token_sha256=digest(token),
        prefix=token[:12],
        scopes=wanted,
        created_by_id=created_by.id if created_by else None,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.create",
        "api_token",
        row.id,
        created_by.id if created_by else None,
        after={"name": row.name, "org": org.code, "user": user.username, "scopes": wanted, "prefix": row.prefix},
    )
    return row, token


def _acting_user(org, username: str | None) -> User:  # type: ignore[no-untyped-def]
    if username:
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise TokenIssueError("unknown_user", username)
        if user.org_id != org.id or not user.is_active:
            raise TokenIssueError("foreign_user", username)
        return user
    account = f"api.{org.code}"[:64]
    user = db.session.scalars(select(User).where(User.username == account)).first()
    if user is None:
        user = orgs.create_user(account, f"{org.name[:80]} 数据接口", secrets.token_urlsafe(32), org)
    return user


def revoke_token(token_id: int, revoked_by: User | None = None) -> ApiToken | None:
    """Revoke a token at once (flush only); revoking it again changes nothing. None when there is no such token."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
        audit.record("api_token.revoke", "api_token", row.id, revoked_by.id if revoked_by else None, prefix=row.prefix)
    return row


def list_tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def authenticate(header: str | None) -> ApiToken:
    """The token an `Authorization: Bearer …` header names; TokenError when it is absent or unusable."""
    if not header:
        raise TokenError("missing")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise TokenError("malformed")
    wanted = digest(token)
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_sha256 == wanted)).first()
    if row is None or not hmac.compare_digest(row.token_sha256, wanted):
        raise TokenError("unknown")
    now = utcnow()
    if row.revoked_at is not None:
        raise TokenError("revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenError("expired")
    if not row.user.is_active or row.user.org_id != row.org_id:
        raise TokenError("inactive")
    return row


def touch(row: ApiToken, now: datetime | None = None) -> bool:
    """Note the token's use (flush only) unless it was noted within TOUCH_EVERY; tell whether it wrote."""
    now = now or utcnow()
    if row.last_used_at is not None and now - row.last_used_at < TOUCH_EVERY:
        return False
    row.last_used_at = now
    db.session.flush()
    return True
