"""Audit fixtures: the blueprint and the CLI group wired in (until web.py and cli.py do it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from zerolegwork.audit.cli import audit_group


@pytest.fixture
def audit_web(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app with the audit pages (registered here until web.py and permissions.POLICY have them)."""
    from zerolegwork import permissions

    for endpoint in ("audit.index", "audit.verify"):
        if endpoint not in permissions.POLICY:
            monkeypatch.setitem(permissions.POLICY, endpoint, permissions.Rule.AUDITOR)
    if "audit" not in app.blueprints:
        from zerolegwork.audit.views import bp

        app.register_blueprint(bp)
    return app


@pytest.fixture
def audit_cli() -> Iterator[None]:
    """`flask zlw audit …` (added here until cli.py adds the group)."""
    from zerolegwork.cli import zlw

    added = "audit" not in zlw.commands
    if added:
        zlw.add_command(audit_group)
    yield
    if added:
        zlw.commands.pop("audit", None)


@pytest.fixture(autouse=True)
def empty_log(request: pytest.FixtureRequest) -> None:
    """Start from an empty audit log: the app fixtures' deployment has already written events."""
    for name in ("app", "any_app", "pg_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            from zerolegwork.audit.models import AuditEvent
            from zerolegwork.extensions import db

            db.session.execute(AuditEvent.__table__.delete())
            db.session.commit()
            return


@pytest.fixture
def people(people):
    """The demo people, without the seed's own audit events (org.create, user.create): not under test here."""
    from sqlalchemy import delete

    from zerolegwork.audit.models import AuditEvent
    from zerolegwork.extensions import db

    db.session.execute(delete(AuditEvent))
    db.session.commit()
    return people
