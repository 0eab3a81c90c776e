"""Fixtures: an app on SQLite (per test) or PostgreSQL (per session database), demo people, a client."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from zerolegwork import create_app
from zerolegwork.config import Settings
from zerolegwork.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("ZLW_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ZLW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("ZLW_REQUIRE_SERVICES") == "1"


def service_missing(what: str, why: object) -> None:
    """Skip, or fail when ZLW_REQUIRE_SERVICES=1, because a service is not reachable."""
    message = f"{what} is not reachable: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (ZLW_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    settings = Settings(
        env="test",
        secret_key="test-secret-key-" + uuid.uuid4().hex,
        database_url=database_url,
        bpmn_dir=str(ROOT / "bpmn"),
        forms_dir=str(ROOT / "forms"),
        script_time_limit=1.0,
        queue_prefix="zlwtest-" + uuid.uuid4().hex[:8],
        password_hash_method="pbkdf2:sha256:1000",
        # uploads of any test land in a scratch folder, never in the checkout's var/files
        files_dir=str(Path(tempfile.gettempdir()) / f"zlw-test-files-{os.getpid()}"),
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    settings.extra = {"WTF_CSRF_ENABLED": False, **settings.extra}
    return settings


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Create a PostgreSQL database of our own for this test session; drop it afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1), autocommit=True)
    except Exception as exc:
        service_missing("PostgreSQL at " + PG_ADMIN_URL, exc)
    name = f"zlw_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(make_settings(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    try:
        yield url
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(db.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def _build_app(kind: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: Any) -> Flask:
    url = request.getfixturevalue("pg_database") if kind == "postgresql" else f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(make_settings(url, **overrides))
    with app.app_context():
        if kind == "postgresql":
            _truncate_all()
        else:
            db.create_all()
    return app


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on a fresh SQLite database, diagrams deployed."""
    application = _build_app("sqlite", tmp_path, request)
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The same test on SQLite and on PostgreSQL."""
    application = _build_app(request.param, tmp_path, request)
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pg_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on PostgreSQL only (row locks, SKIP LOCKED)."""
    application = _build_app("postgresql", tmp_path, request)
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


def deploy_repository() -> None:
    from zerolegwork.engine.catalog import load_catalog
    from zerolegwork.engine.deploy import deploy_catalog

    catalog = load_catalog(ROOT / "bpmn", ROOT / "forms")
    assert not catalog.problems, catalog.problems
    deploy_catalog(catalog)
    db.session.commit()


@pytest.fixture
def people() -> dict[str, Any]:
    """The demo organisations, accounts and projects, created through the services."""
    from sqlalchemy import select

    from zerolegwork import demo
    from zerolegwork.orgs.models import User
    from zerolegwork.projects.models import Project

    demo.seed()
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    projects = list(db.session.scalars(select(Project).order_by(Project.id)))
    return {"users": users, "projects": projects}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login(client: FlaskClient) -> Callable[[str], Any]:
    from zerolegwork.demo import DEMO_PASSWORD

    def do(username: str, password: str = DEMO_PASSWORD) -> Any:
        client.post("/logout")
        return client.post("/login", data={"username": username, "password": password})

    return do
