"""Fixtures of the files tests: the app keeps uploads in the test's own folder; another unit and its user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import _build_app, deploy_repository
from zerolegwork.extensions import db


def _app(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    application = _build_app(kind, tmp_path, request, files_dir=str(tmp_path / "files"))
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on a fresh SQLite database whose uploads land under tmp_path/files."""
    yield from _app("sqlite", tmp_path, request)


@pytest.fixture
def pg_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The same on PostgreSQL."""
    yield from _app("postgresql", tmp_path, request)


@pytest.fixture
def other_unit(people: dict[str, Any]) -> Any:
    """A unit of another district with a user and a project of its own."""
    from decimal import Decimal

    from zerolegwork.demo import DEMO_PASSWORD
    from zerolegwork.orgs import services as orgs
    from zerolegwork.orgs.models import OrgKind
    from zerolegwork.projects import services as projects

    regions = orgs.ensure_regions()
    org = orgs.create_org("other_unit_org", "东河区某建设单位", OrgKind.UNIT, regions["东河区"])
    user = orgs.create_user("other_unit", "另一单位经办人", DEMO_PASSWORD, org)
    project = projects.create_project(
        "2026-OTHER-0001", "东河区另一单位项目", org.id, "东河区", "市政道路", Decimal("10")
    )
    db.session.commit()
    return {"user": user, "project": project}
