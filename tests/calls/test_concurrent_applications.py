"""Two requests applying the same project to the same call at the same moment give one application (PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.calls.conftest import files_for
from tests.helpers import run_together
from zerolegwork.calls import applications
from zerolegwork.calls.errors import CallError
from zerolegwork.calls.models import CallApplication
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User


def test_two_applications_of_one_project_at_once_make_one_application(pg_app, people, make_call, today):
    call = make_call()
    today(date(2026, 9, 22))
    call_id, unit_id, project_id = call.id, people["users"]["unit1"].id, people["projects"][0].id
    slots = list(call.slots)

    def apply() -> int:
        user = db.session.get(User, unit_id)
        fake = type("Call", (), {"slots": slots})
        return applications.apply(user, call_id, project_id, files_for(fake)).id

    results = run_together(pg_app, apply, apply)
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, CallError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "不能重复申报" in str(refused[0])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CallApplication)) == 1


def test_two_units_applying_at_once_both_count(pg_app, people, make_call, today, other_unit):
    call = make_call()
    today(date(2026, 9, 22))
    slots = list(call.slots)
    pairs = [(people["users"]["unit1"].id, people["projects"][0].id), (other_unit["user"].id, other_unit["project"].id)]
    call_id = call.id

    def applying(user_id: int, project_id: int):  # type: ignore[no-untyped-def]
        def run() -> int:
            fake = type("Call", (), {"slots": slots})
            return applications.apply(db.session.get(User, user_id), call_id, project_id, files_for(fake)).id

        return run

    results = run_together(pg_app, *(applying(u, p) for u, p in pairs))
    assert all(isinstance(r, int) for r in results), results
