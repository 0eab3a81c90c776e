"""Library entries made the way users make them: a review run through its steps to 结果运用, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from tests.calls import conftest as call_fixtures
from tests.reviews import conftest as review_fixtures
from tests.reviews.conftest import PLAN, finish, score_all, started
from zerolegwork.extensions import db
from zerolegwork.review_library.models import LibraryEntry
from zerolegwork.reviews import demo as review_demo
from zerolegwork.reviews.models import ReviewCase

# the reviews' and calls' fixtures, shared: a published call with its applications, another unit
call, apply, other_unit = review_fixtures.call, review_fixtures.apply, call_fixtures.other_unit
SHORT_PLAN = {**PLAN, "presentation": "", "defence": "", "site_survey": ""}
SHEETS = (
    {
        "score_compliance": "18",
        "score_necessity": "17",
        "score_feasibility": "22",
        "score_budget": "16",
        "score_performance": "12",
    },
    {
        "score_compliance": "16",
        "score_necessity": "18",
        "score_feasibility": "20",
        "score_budget": "18",
        "score_performance": "13",
    },
    {
        "score_compliance": "19",
        "score_necessity": "15",
        "score_feasibility": "21",
        "score_budget": "17",
        "score_performance": "14",
    },
)
LOWER = tuple({k: str(int(v) - 2) for k, v in s.items()} for s in SHEETS)


@pytest.fixture
def app(any_app: Any) -> Any:
    return any_app


@pytest.fixture(autouse=True)
def app_first(app: Any) -> Any:
    """Every library test on SQLite and PostgreSQL, the app's context open before the demo is seeded."""
    return app


def review_to_use(
    people: dict[str, Any], call: Any, application: Any, verdict: str, amount: str, sheets: Any = SHEETS
) -> ReviewCase:
    """Run one application's review through 结果运用 (the library's entry point) with a short plan."""
    finance = people["users"]["finance1"]
    case = started(finance, call, application)
    finish(case, "accept_review", {"decision": "accept", "opinion": "材料齐全"})
    finish(case, "make_plan", SHORT_PLAN)
    finish(case, "form_panel", {"confirm_draw": "1"})
    score_all(case, people["users"]["admin"], list(sheets))
    finish(case, "material_review", {"note": ""})
    finish(case, "overall_assessment", {"verdict": verdict, "recommended_amount": amount, "opinion": "评定意见"})
    finish(case, "use_results", {"opinion": ""})
    db.session.refresh(case)
    return case


@pytest.fixture
def reviewed(people: dict[str, Any], call: Any, apply: Callable[[int], Any]) -> Callable[..., LibraryEntry]:
    """The library entry of demo project `index`, reviewed to the given verdict (a pool of 30: panels one after another)."""
    review_demo.seed_pool()
    db.session.commit()

    def make(index: int = 0, verdict: str = "pass", amount: str = "60", sheets: Any = SHEETS) -> LibraryEntry:
        case = review_to_use(people, call, apply(index), verdict, amount, sheets)
        return db.session.scalars(select(LibraryEntry).where(LibraryEntry.case_id == case.id)).one()

    return make
