"""Fixtures for the account-security tests: an app without a pushed context, audit look-ups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import deploy_repository, make_settings
from zerolegwork import create_app
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User


def seeded_app(tmp_path: Path, **overrides: object) -> Flask:
    """An app on a fresh SQLite database with the demo data; no app context is left pushed."""
    from zerolegwork import demo

    settings = make_settings(f"sqlite:///{tmp_path / 'accounts.db'}")
    for key, value in overrides.items():
        setattr(settings, key, value)
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        deploy_repository()
        demo.seed()
        db.session.commit()
    return app


@pytest.fixture
def bare_app(tmp_path: Path) -> Iterator[Flask]:
    """Each test-client request runs in its own app context, so nothing (Flask-Login's user) is cached in `g`."""
    app = seeded_app(tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def user_named(username: str) -> User:
    """Read the user afresh from the database."""
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == username)).one()


def audit_actions(object_id: object, object_type: str = "user") -> list[tuple[str, dict]]:
    """The account-security events audited on one object (a user id or an unknown user name), oldest first."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .where(AuditEvent.action.notin_(("user.create", "org.create")))  # the seed's, not under test
        .order_by(AuditEvent.id)
    )
    return [(row.action, row.detail) for row in rows]
