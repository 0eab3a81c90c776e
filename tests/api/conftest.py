"""Fixtures: demo people and projects, the records of one project, tokens, and a client that sends a token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.records.support import answers
from zerolegwork.api import tokens
from zerolegwork.api.models import TokenScope
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project
from zerolegwork.records import services as records

DISTRICT_FINANCE = "150202_finance"  # 东河区财政局: sees the 东河区 demo project only


@pytest.fixture
def world(app: Flask, people: dict[str, Any]) -> dict[str, Any]:
    """The demo projects by region name, with every kind of record written for the 昆区 one."""
    by_region = {p.region.name: p for p in people["projects"]}
    kun = by_region["昆区"]
    for kind in ("investment_plan", "procurement", "contract", "progress_report", "acceptance"):
        records.write(kind, kun.id, answers(kind), None, None)
    records.write(
        "progress_report", kun.id, answers("progress_report", period="2026-10", funds_disbursed="300.5"), None, None
    )
    records.write("performance_evaluation", kun.id, answers("performance_evaluation"), None, None)
    db.session.commit()
    return {"projects": by_region, "kun": kun.id, "dong": by_region["东河区"].id, "qing": by_region["青山区"].id}


@pytest.fixture
def issue(app: Flask) -> Callable[..., str]:
    """Issue a token (committed) and return it."""

    def do(org: str = "finance", scopes: tuple[str, ...] = (TokenScope.READ,), **kwargs: Any) -> str:
        _row, token = tokens.issue_token(org, kwargs.pop("name", "财政一体化"), scopes, **kwargs)
        db.session.commit()
        return token

    return do


@pytest.fixture
def finance_token(issue: Callable[..., str]) -> str:
    """The city finance bureau's token: reads every project and imports budget arrangements."""
    return issue("finance", (TokenScope.READ, TokenScope.BUDGET_WRITE))


@pytest.fixture
def api(app: Flask) -> Callable[..., Any]:
    """call(method, url, token=None, **kwargs): a request with `Authorization: Bearer <token>` from a fresh client."""

    def call(method: str, url: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return app.test_client().open(url, method=method, headers=headers, **kwargs)

    return call


def expire(token: str) -> None:
    row = db.session.scalars(
        db.select(tokens.ApiToken).where(tokens.ApiToken.token_sha256 == tokens.digest(token))
    ).one()
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()


def project_named(name: str) -> Project:
    return db.session.scalars(db.select(Project).where(Project.name == name)).one()
