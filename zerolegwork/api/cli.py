"""`flask zlw api token create|revoke|list`: tokens for the systems that call the data exchange API."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db
from .errors import TokenIssueError
from .models import TokenScope


@click.group("api")
def api_group() -> None:
    """The data exchange API (/api/v1)."""


@api_group.group("token")
def token_group() -> None:
    """Tokens of outside systems (the finance budget system …)."""


@token_group.command("create")
@click.option("--org", "org_code", required=True, help="Code of the organisation the token acts for.")
@click.option("--name", required=True, help="What the token is for, e.g. 财政一体化系统.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice([s.value for s in TokenScope]),
    help="read (default) and/or budget:write (finance departments only); repeat for several.",
)
@click.option("--days", default=365, show_default=True, type=int, help="Days until the token expires.")
@click.option(
    "--user", "username", default=None, help="Act as this person of the organisation (default: its service account)."
)
@with_appcontext
def create_cmd(org_code: str, name: str, scopes: tuple[str, ...], days: int, username: str | None) -> None:
    """Issue a token and print it once: only its sha256 is kept."""
    from .tokens import issue_token

    try:
        row, token = issue_token(org_code, name, scopes or (TokenScope.READ,), days=days, username=username)
    except TokenIssueError as exc:
        db.session.rollback()
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"token {row.id} for {row.org.code} as {row.user.username}, scopes {' '.join(row.scopes)}")
    click.echo(f"expires {row.expires_at.isoformat() if row.expires_at else 'never'}")
    click.echo("keep it now, it is not shown again:")
    click.echo(token)


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_cmd(token_id: int) -> None:
    """Revoke a token at once."""
    from .tokens import revoke_token

    row = revoke_token(token_id)
    if row is None:
        click.echo(f"no token {token_id}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"token {row.id} ({row.prefix}…) revoked at {row.revoked_at.isoformat() if row.revoked_at else ''}")


@token_group.command("list")
@with_appcontext
def list_cmd() -> None:
    """Every token: id, prefix, organisation, user, scopes, state, last use."""
    from ..db import utcnow
    from .tokens import list_tokens

    now = utcnow()
    for row in list_tokens():
        if row.revoked_at is not None:
            state = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never used"
        click.echo(
            f"{row.id}\t{row.prefix}…\t{row.org.code}\t{row.user.username}\t{','.join(row.scopes)}\t{state}\t"
            f"{used}\t{row.name}"
        )
