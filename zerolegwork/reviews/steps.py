"""The domain work of the review's steps, registered as step hooks (engine/hooks.py) by the forms' names.

Each hook finds the step's review case by the task's instance. A refusal is a FormValidationError with
a Chinese message on the field (or `_form`), raised before the engine moves, so nothing is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..calls.models import ApplicationState
from ..db import utcnow
from ..engine import hooks
from ..engine.forms import FormValidationError
from ..engine.models import HumanTask
from ..engine.routing import today_local
from ..engine.runtime import StepResult
from ..experts import panels, scoring
from ..experts.errors import FormError as PanelFormError
from ..experts.errors import PanelError
from ..experts.models import Aggregation, ReviewPanel
from ..extensions import db
from ..orgs.models import User
from . import dossier
from .models import CaseState, ReviewCase, Verdict
from .summary import review_summary

DEFAULT_SHEET = "subsidy"
TRIM_FROM = 5


def case_of(task: HumanTask) -> ReviewCase:
    """The review case the task's instance runs (every review instance has one)."""
    case = db.session.scalars(select(ReviewCase).where(ReviewCase.instance_id == task.instance_id)).first()
    if case is None:
        raise FormValidationError({"_form": _("This task does not belong to a review.")})
    return case


def refuse(field: str, message: str) -> None:
    raise FormValidationError({field: message})


def after_choose(user: User, task: HumanTask, result: StepResult) -> None:
    case = case_of(task)
    if result.answers.get("decision") == "exclude":
        case.state = CaseState.EXCLUDED
        audit.record("review.exclude", "review_case", case.id, user.id, opinion=result.answers.get("opinion"))


def after_accept(user: User, task: HumanTask, result: StepResult) -> None:
    case = case_of(task)
    returned = result.answers.get("decision") == "return"
    case.application.state = ApplicationState.RETURNED if returned else ApplicationState.ACCEPTED
    audit.record(
        "review.return" if returned else "review.accept",
        "review_case",
        case.id,
        user.id,
        opinion=result.answers.get("opinion"),
    )


def after_supplement(user: User, task: HumanTask, result: StepResult) -> None:
    case = case_of(task)
    case.application.state = ApplicationState.SUBMITTED
    audit.record("review.supplement", "review_case", case.id, user.id)


def check_plan(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """制定方案: a readable mix, dates in order, a trimmed mean only for five or more experts."""
    case = case_of(task)
    try:
        mix = panels.parse_mix(str(answers.get("mix") or ""))
    except PanelFormError as exc:
        raise FormValidationError(exc.errors) from None
    starts, ends = date.fromisoformat(answers["review_starts"]), date.fromisoformat(answers["review_ends"])
    if ends < starts:
        refuse("review_ends", _("The review cannot end before it starts."))
    if answers.get("aggregation") == Aggregation.TRIMMED and sum(mix.values()) < TRIM_FROM:
        refuse("aggregation", _("Dropping the highest and lowest totals needs a panel of five or more experts."))
    case.plan = {
        "method": answers.get("method"),
        "mix": mix,
        "aggregation": answers.get("aggregation"),
        "review_starts": answers["review_starts"],
        "review_ends": answers["review_ends"],
        "criteria": answers.get("criteria") or "",
        "presentation": bool(answers.get("presentation")),
        "defence": bool(answers.get("defence")),
        "site_survey": bool(answers.get("site_survey")),
        "sheet": case.call.scoring_sheet or DEFAULT_SHEET,
    }
    answers["mix"] = "，".join(f"{k}:{v}" for k, v in mix.items())


def check_panel(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """组建专家: draw the panel by the plan, with avoidance; the draw is recorded (experts/panels.py)."""
    case = case_of(task)
    if case.panel_id is not None:
        refuse("_form", _("The panel of this review is already drawn."))
    if not answers.get("confirm_draw"):
        refuse("confirm_draw", _("Tick the box to draw the panel."))
    plan = case.plan or {}
    project = case.application.project
    try:
        panel = panels.draw_panel(
            user,
            title=_("Review panel: %(name)s", name=project.name)[:200],
            unit_id=case.application.unit_id,
            department_id=project.competent_department_id,
            mix=plan.get("mix") or {},
            sheet_code=plan.get("sheet") or DEFAULT_SHEET,
            project_id=project.id,
            aggregation=plan.get("aggregation") or Aggregation.MEAN,
        )
    except PanelFormError as exc:
        if "sheet_code" in exc.errors:
            message = _("The scoring sheet %(code)s is not available.", code=plan.get("sheet") or DEFAULT_SHEET)
            raise FormValidationError({"_form": message}) from None
        raise FormValidationError({"_form": "；".join(exc.errors.values())}) from None
    except PanelError as exc:
        raise FormValidationError({"_form": str(exc)}) from None
    except LookupError:
        raise FormValidationError({"_form": _("Only a management department can draw a panel.")}) from None
    case.panel_id = panel.id
    answers["panel_id"] = panel.id


def panel_of(case: ReviewCase) -> ReviewPanel:
    panel = db.session.get(ReviewPanel, case.panel_id) if case.panel_id else None
    if panel is None:
        raise FormValidationError({"_form": _("The panel of this review has not been drawn.")})
    return panel


def check_material(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """资料评审 closes once every expert on the panel has submitted a score sheet."""
    result = scoring.aggregate(panel_of(case_of(task)))
    if not result.complete:
        missing = result.expected - result.submitted
        refuse("_form", _("%(n)d experts have not submitted their scores yet.", n=missing))


def not_in_future(field: str) -> Any:
    def check(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
        if date.fromisoformat(answers[field]) > today_local():
            refuse(field, _("The date cannot be in the future."))

    return check


def check_assessment(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """综合评定: conclude the panel (scores frozen), keep the score, the verdict and the recommended amount."""
    case = case_of(task)
    verdict = answers.get("verdict")
    amount = answers.get("recommended_amount")
    if verdict == Verdict.FAIL:
        amount = None
        answers["recommended_amount"] = None
    elif amount in (None, "") or Decimal(str(amount)) <= 0:
        refuse("recommended_amount", _("A project that passes needs a recommended amount above zero."))
    panel = panel_of(case)
    try:
        panels.conclude(user, panel, str(answers.get("opinion") or ""))
    except PanelError as exc:
        raise FormValidationError({"_form": str(exc)}) from None
    except LookupError:
        raise FormValidationError({"_form": _("Only the department that drew the panel concludes it.")}) from None
    result = scoring.aggregate(panel)
    case.score = result.score
    case.verdict = verdict
    case.recommended_amount = Decimal(str(amount)) if amount not in (None, "") else None
    case.opinion = str(answers.get("opinion") or "")
    case.concluded_at = utcnow()
    case.state = CaseState.CONCLUDED
    answers["score"] = str(result.score)
    audit.record(
        "review.conclude",
        "review_case",
        case.id,
        user.id,
        after={"score": str(result.score), "verdict": verdict, "recommended_amount": str(amount or "")},
    )


def check_use(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """结果运用: the concluded result enters the review library."""
    case = case_of(task)
    if case.state != CaseState.CONCLUDED:
        refuse("_form", _("The review has no conclusion yet."))
    dossier.use_result(user, case)


def check_archive(user: User, task: HumanTask, answers: dict[str, Any]) -> None:
    """资料归档: freeze the dossier with a sha256 manifest."""
    case = case_of(task)
    if case.archived_at is not None:
        refuse("_form", _("The dossier is already archived."))
    case.manifest, case.manifest_sha256 = dossier.manifest(case)
    case.archived_at = utcnow()
    case.state = CaseState.ARCHIVED
    answers["manifest_sha256"] = case.manifest_sha256
    audit.record("review.archive", "review_case", case.id, user.id, after={"manifest_sha256": case.manifest_sha256})


STEP_HOOKS: Mapping[str, dict[str, Any]] = {
    "review_choose": {"after": after_choose},
    "review_accept": {"after": after_accept},
    "review_supplement": {"after": after_supplement},
    "review_plan": {"check": check_plan},
    "review_panel": {"check": check_panel},
    "review_material": {"check": check_material},
    "review_presentation": {"check": not_in_future("session_date")},
    "review_survey": {"check": not_in_future("survey_date")},
    "review_assessment": {"check": check_assessment},
    "review_use": {"check": check_use},
    "review_archive": {"check": check_archive},
}


def register() -> None:
    """Register every review step's hook (the app factory calls this once)."""
    for name, parts in STEP_HOOKS.items():
        hooks.register(name, **parts, summary=review_summary)
    hooks.register("review_defence", summary=review_summary)  # the unit's answers: no domain work, the questions
