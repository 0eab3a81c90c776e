"""The eleven steps of bpmn/review.bpmn, driven through the inbox's completion with the steps' hooks."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.files import samples
from tests.reviews.conftest import PLAN, finish, ready, score_all, started
from zerolegwork.calls.models import ApplicationState
from zerolegwork.engine.forms import FormValidationError
from zerolegwork.experts.models import ReviewPanel
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.reviews import dossier
from zerolegwork.reviews.errors import ReviewError, ReviewNotFoundError
from zerolegwork.reviews.models import CaseState, ReviewCase
from zerolegwork.reviews.progress import steps_of
from zerolegwork.reviews.services import start_reviews

SHEET_A = {
    "score_compliance": "18",
    "score_necessity": "17",
    "score_feasibility": "22",
    "score_budget": "16",
    "score_performance": "12",
}
SHEET_B = {
    "score_compliance": "16",
    "score_necessity": "18",
    "score_feasibility": "20",
    "score_budget": "18",
    "score_performance": "13",
}
SHEET_C = {
    "score_compliance": "19",
    "score_necessity": "15",
    "score_feasibility": "21",
    "score_budget": "17",
    "score_performance": "14",
}


def upload(user: Any, case: ReviewCase, slot: str, name: str = "材料.pdf", content: bytes = samples.PDF) -> None:
    files.upload(user, case.project_id, slot, name, io.BytesIO(content))
    db.session.commit()


def to_assessment(people: dict[str, Any], call: Any, application: Any, plan: dict[str, str]) -> ReviewCase:
    finance = people["users"]["finance1"]
    case = started(finance, call, application)
    finish(case, "accept_review", {"decision": "accept", "opinion": "材料齐全"})
    finish(case, "make_plan", plan)
    finish(case, "form_panel", {"confirm_draw": "1"})
    score_all(case, people["users"]["admin"], [SHEET_A, SHEET_B, SHEET_C])
    finish(case, "material_review", {"note": ""})
    return case


def test_a_review_runs_all_eleven_steps_and_archives_a_manifest(people: dict[str, Any], call: Any, apply: Any) -> None:
    application = apply()
    case = to_assessment(people, call, application, PLAN)
    assert db.session.get(ReviewPanel, case.panel_id) is not None
    assert len(db.session.get(ReviewPanel, case.panel_id).active_members) == 3
    finish(
        case,
        "presentation",
        {"session_date": "2026-09-01", "place": "三楼会议室", "minutes": "单位陈述", "questions": "资金来源？"},
    )
    unit = people["users"]["unit1"]
    upload(unit, case, "review_answers", "答辩.pdf")
    finish(case, "defence", {"answers": "资金由中央转移支付和自筹组成。"})
    upload(people["users"]["finance1"], case, "review_survey_photo", "现场.png", samples.image())
    finish(
        case,
        "site_survey",
        {
            "survey_date": "2026-09-02",
            "location": "项目现场",
            "latitude": "40.657",
            "longitude": "109.840",
            "findings": "已开工",
        },
    )
    finish(case, "overall_assessment", {"verdict": "pass", "recommended_amount": "320.5", "opinion": "同意"})
    db.session.refresh(case)
    assert case.state == CaseState.CONCLUDED
    # the mean of the three totals: 85, 85, 86 -> 85.33
    assert case.score == Decimal("85.33")
    assert case.recommended_amount == Decimal("320.5000")
    finish(case, "use_results", {"opinion": ""})
    finish(case, "archive", {"note": "归档"})
    db.session.refresh(case)
    assert case.state == CaseState.ARCHIVED
    names = [e["name"] for e in case.manifest]
    assert {"plan", "draw", "scores", "conclusion"} <= set(names)
    assert any(n.startswith("review_survey_photo/") for n in names)
    assert case.manifest_sha256 == dossier.digest(case.manifest)
    statuses = {s.key: s.status for s in steps_of(case)}
    assert set(statuses.values()) == {"done"}, statuses
    instance = case.instance_id
    from zerolegwork.engine.models import ProcessInstance

    assert db.session.get(ProcessInstance, instance).status == "completed"


def test_a_plan_without_presentation_questions_or_survey_skips_them(
    people: dict[str, Any], call: Any, apply: Any
) -> None:
    plan = {**PLAN, "presentation": "", "defence": "", "site_survey": ""}
    case = to_assessment(people, call, apply(), plan)
    assert ready(case, "overall_assessment") is not None
    finish(case, "overall_assessment", {"verdict": "fail", "recommended_amount": "", "opinion": "不具备条件"})
    statuses = {s.key: s.status for s in steps_of(case)}
    assert statuses["presentation"] == statuses["defence"] == statuses["site_survey"] == "skipped"
    assert statuses["use_results"] == "current"


def test_a_return_for_missing_material_goes_to_the_unit_and_back(people: dict[str, Any], call: Any, apply: Any) -> None:
    application = apply()
    case = started(people["users"]["finance1"], call, application)
    finish(case, "accept_review", {"decision": "return", "opinion": "缺少资金承诺函"})
    db.session.refresh(application)
    assert application.state == ApplicationState.RETURNED
    assert ready(case, "supplement_material") is not None
    with pytest.raises(FormValidationError):  # the supplementary material is required evidence
        finish(case, "supplement_material", {"note": "已补充"})
    db.session.rollback()
    upload(people["users"]["unit1"], case, "review_supplement", "承诺函.pdf")
    finish(case, "supplement_material", {"note": "已补充"})
    db.session.refresh(application)
    assert application.state == ApplicationState.SUBMITTED
    finish(case, "accept_review", {"decision": "accept", "opinion": "齐全"})
    db.session.refresh(application)
    assert application.state == ApplicationState.ACCEPTED
    assert ready(case, "make_plan") is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mix": "造价两人"}, "mix"),
        ({"review_ends": "2026-10-01"}, "review_ends"),
        ({"aggregation": "trimmed"}, "aggregation"),  # three experts cannot drop two totals
    ],
)
def test_a_wrong_plan_is_refused_on_its_field_and_nothing_moves(
    people: dict[str, Any], call: Any, apply: Any, change: dict[str, str], field: str
) -> None:
    case = started(people["users"]["finance1"], call, apply())
    finish(case, "accept_review", {"decision": "accept", "opinion": "齐全"})
    with pytest.raises(FormValidationError) as refused:
        finish(case, "make_plan", {**PLAN, **change})
    db.session.rollback()
    assert field in refused.value.errors
    assert ready(case, "make_plan") is not None
    assert db.session.get(ReviewCase, case.id).plan == {}


def test_material_review_waits_for_every_expert_and_assessment_freezes_scores(
    people: dict[str, Any], call: Any, apply: Any
) -> None:
    case = started(people["users"]["finance1"], call, apply())
    finish(case, "accept_review", {"decision": "accept", "opinion": "齐全"})
    finish(case, "make_plan", {**PLAN, "presentation": "", "defence": "", "site_survey": ""})
    finish(case, "form_panel", {"confirm_draw": "1"})
    score_all(case, people["users"]["admin"], [SHEET_A, SHEET_B])  # the third has not submitted
    with pytest.raises(FormValidationError) as refused:
        finish(case, "material_review", {"note": ""})
    db.session.rollback()
    assert "1" in refused.value.errors["_form"]
    experts = score_all(case, people["users"]["admin"], [SHEET_A, SHEET_B, SHEET_C])
    finish(case, "material_review", {"note": ""})
    with pytest.raises(FormValidationError) as refused:  # a pass needs an amount
        finish(case, "overall_assessment", {"verdict": "pass", "recommended_amount": "", "opinion": "同意"})
    db.session.rollback()
    assert "recommended_amount" in refused.value.errors
    finish(
        case, "overall_assessment", {"verdict": "pass_after_revision", "recommended_amount": "100", "opinion": "修改"}
    )
    from zerolegwork.experts import scoring
    from zerolegwork.experts.errors import PanelConcludedError

    panel = db.session.get(ReviewPanel, case.panel_id)
    with pytest.raises(PanelConcludedError):
        scoring.submit(experts[0], panel, {**SHEET_B, "opinion": "改分"})


def test_the_batch_refuses_whole_when_one_application_is_not_the_calls(
    people: dict[str, Any], call: Any, apply: Any
) -> None:
    first = apply(0)
    finance = people["users"]["finance1"]
    with pytest.raises(ReviewError):
        start_reviews(finance, call, [first.id, 999_999], "review", "")
    db.session.rollback()
    assert db.session.scalars(select(ReviewCase)).first() is None
    started(finance, call, first)
    with pytest.raises(ReviewError):  # already under review
        start_reviews(finance, call, [first.id], "review", "")
    db.session.rollback()
    with pytest.raises(ReviewNotFoundError):  # another department cannot choose for this call
        start_reviews(people["users"]["ndrc1"], call, [first.id], "review", "")


def test_excluding_an_application_ends_its_review(people: dict[str, Any], call: Any, apply: Any) -> None:
    application = apply()
    start_reviews(people["users"]["finance1"], call, [application.id], "exclude", "不符合申报条件")
    db.session.commit()
    case = db.session.scalars(select(ReviewCase)).one()
    assert case.state == CaseState.EXCLUDED
    assert all(s.status in ("done", "skipped") for s in steps_of(case))
