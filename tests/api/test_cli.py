"""`flask zlw api token create|list|revoke`: the token is printed once and works; a revoked one no longer does."""

from __future__ import annotations

from sqlalchemy import select

from zerolegwork.api.models import ApiToken
from zerolegwork.cli import zlw
from zerolegwork.extensions import db


def run(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(zlw, ["api", "token", *args])


def test_a_token_is_created_listed_used_and_revoked_from_the_command_line(app, people, api):
    created = run(
        app, "create", "--org", "finance", "--name", "财政一体化", "--scope", "read", "--scope", "budget:write"
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("zlw_")
    row = db.session.scalars(select(ApiToken)).one()
    assert sorted(row.scopes) == ["budget:write", "read"]
    assert token not in run(app, "list").output
    assert f"{row.id}\t{row.prefix}…\tfinance\tapi.finance\tbudget:write,read\tactive" in run(app, "list").output
    assert api("GET", "/api/v1/projects", token).status_code == 200
    assert run(app, "revoke", str(row.id)).exit_code == 0
    assert "\trevoked\t" in run(app, "list").output
    assert api("GET", "/api/v1/projects", token).status_code == 401


def test_the_command_line_refuses_what_may_not_be_issued(app, people):
    assert run(app, "create", "--org", "nope", "--name", "x").exit_code == 1
    assert run(app, "create", "--org", "ndrc", "--name", "x", "--scope", "budget:write").exit_code == 1
    assert run(app, "create", "--org", "finance", "--name", "x", "--days", "0").exit_code == 1
    assert run(app, "revoke", "999").exit_code == 1
    assert db.session.scalar(select(ApiToken.id)) is None
