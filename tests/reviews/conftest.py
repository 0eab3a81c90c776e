"""A call with applications, reviews started through the services, and a driver for the review's steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tests.calls.conftest import call_form, files_for
from zerolegwork.calls import applications
from zerolegwork.calls import services as calls
from zerolegwork.engine.errors import NotAllowedToActError
from zerolegwork.engine.models import HumanTask, HumanTaskState
from zerolegwork.experts import accounts, panels, scoring, sheets
from zerolegwork.extensions import db
from zerolegwork.inbox.complete import complete
from zerolegwork.orgs.models import Organisation, User
from zerolegwork.reviews import services
from zerolegwork.reviews.models import ReviewCase

PASSWORD = "Zlw-Expert-2026!"
PLAN = {
    "method": "meeting",
    "mix": "工程造价:1, 市政道路:1, 财务:1",
    "aggregation": "mean",
    "review_starts": "2026-10-12",
    "review_ends": "2026-10-16",
    "criteria": "资金测算",
    "presentation": "1",
    "defence": "1",
    "site_survey": "1",
}


@pytest.fixture
def app(any_app: Any) -> Any:
    return any_app


@pytest.fixture(autouse=True)
def app_first(app: Any) -> Any:
    """Every review test on SQLite and PostgreSQL, the app's context open before the demo is seeded."""
    return app


@pytest.fixture
def call(people: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """A published finance call with the demo unit's first project applied, through the services."""
    monkeypatch.setattr(calls, "today_local", lambda: date(2026, 9, 22))
    sheets.seed_sheets()
    finance = people["users"]["finance1"]
    created = calls.create_call(finance, call_form(scoring_sheet="subsidy"))
    calls.publish_call(finance, created.id)
    db.session.commit()
    return created


@pytest.fixture
def apply(people: dict[str, Any], call: Any) -> Callable[[int], Any]:
    def do(index: int = 0) -> Any:
        unit = people["users"]["unit1"]
        application = applications.apply(unit, call.id, people["projects"][index].id, files_for(call))
        db.session.commit()
        return application

    return do


def users_of(org_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.org_id == org_id).order_by(User.id)))


def ready(case: ReviewCase, step: str) -> HumanTask | None:
    return db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == case.instance_id,
            HumanTask.bpmn_id == step,
            HumanTask.state == HumanTaskState.READY,
        )
    ).first()


def finish(case: ReviewCase, step: str, answers: dict[str, Any]) -> None:
    """Complete a step through every level of the acting organisation's chain (each level by who holds it)."""
    for _level in range(6):
        task = ready(case, step)
        if task is None:
            return
        org = db.session.scalars(select(Organisation.id).where(Organisation.code == task.org_code)).one()
        for user in users_of(org):
            try:
                complete(user, task.id, answers)
            except NotAllowedToActError:
                db.session.rollback()
                continue
            db.session.commit()
            break
        else:
            raise AssertionError(f"nobody of the organisation could act on {step}")
    assert ready(case, step) is None, step


def expert_users(case: ReviewCase, admin: User) -> list[User]:
    """Give every member of the case's panel an account and sign the declaration."""
    panel = db.session.get(panels.ReviewPanel, case.panel_id)
    out = []
    for member in panel.active_members:
        if member.expert.user_id is None:
            form = {"username": f"expert_{member.expert_id}", "password": PASSWORD, "password_repeat": PASSWORD}
            accounts.create_account(admin, member.expert_id, form)
        user = db.session.get(User, member.expert.user_id)
        if member.state == "drawn":
            panels.declare(user, member, {"choice": "no_conflict", "confirm": "1"})
        out.append(user)
    db.session.commit()
    return out


def score_all(case: ReviewCase, admin: User, points: list[dict[str, str]]) -> list[User]:
    experts = expert_users(case, admin)
    panel = db.session.get(panels.ReviewPanel, case.panel_id)
    for user, sheet in zip(experts, points, strict=False):
        scoring.submit(user, panel, {**sheet, "opinion": "同意"})
        db.session.commit()
    return experts


def started(user: User, call: Any, application: Any) -> ReviewCase:
    services.start_reviews(user, call, [application.id], "review", "纳入本批次")
    db.session.commit()
    return db.session.scalars(select(ReviewCase).where(ReviewCase.application_id == application.id)).one()
