"""Records fixtures: an app context without a database for pure checks; projects and the person writing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import make_settings
from zerolegwork import create_app
from zerolegwork.extensions import db


@pytest.fixture
def bare_app(tmp_path: Path) -> Iterator[Flask]:
    """An app context (Chinese messages) for checks that read no database."""
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'bare.db'}"))
    with app.app_context():
        yield app


@pytest.fixture
def projects(app: Flask) -> list[Any]:
    """Two projects of one unit, made directly (records need only the rows they point at)."""
    return _make_projects()


@pytest.fixture
def pg_projects(pg_app: Flask) -> list[Any]:
    """The same two projects on PostgreSQL."""
    return _make_projects()


@pytest.fixture
def project(projects: list[Any]) -> Any:
    """The first project."""
    return projects[0]


@pytest.fixture
def actor(projects: list[Any]) -> Any:
    """The unit's user who writes the records."""
    from zerolegwork.orgs.models import User

    return db.session.scalars(select(User)).one()


def _make_projects() -> list[Any]:
    from zerolegwork.orgs.models import Organisation, Region, User
    from zerolegwork.projects.models import Project

    region = Region(code="150200", name="测试市", level="city")
    unit = Organisation(code="test_unit", name="测试建设单位", kind="unit", region=region)
    db.session.add_all([region, unit])
    db.session.flush()
    db.session.add(User(username="writer", display_name="填报人", password_hash="x", org_id=unit.id))
    made = [
        Project(
            code=f"2026-150200-48-01-00000{i}",
            name=f"测试项目{i}",
            unit_id=unit.id,
            region_id=region.id,
            category="市政道路",
            planned_investment=Decimal("1000"),
        )
        for i in (1, 2)
    ]
    db.session.add_all(made)
    db.session.commit()
    return made
