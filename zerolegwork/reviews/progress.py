"""Where a review stands: its eleven steps, each done, waiting, skipped by the plan, or still ahead."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from ..orgs.models import User
from .models import CaseState, ReviewCase

# bpmn id, label, the plan's switch that skips it (None: always runs)
STEPS: tuple[tuple[str, object, str | None], ...] = (
    ("choose_projects", _l("Choose the project"), None),
    ("accept_review", _l("Accept for review"), None),
    ("make_plan", _l("Review plan"), None),
    ("form_panel", _l("Form the panel"), None),
    ("material_review", _l("Material review"), None),
    ("presentation", _l("Presentation"), "presentation"),
    ("defence", _l("Questions and answers"), "defence"),
    ("site_survey", _l("Site survey"), "site_survey"),
    ("overall_assessment", _l("Overall assessment"), None),
    ("use_results", _l("Use of the result"), None),
    ("archive", _l("Archive"), None),
)
STATE_LABELS = {
    CaseState.IN_REVIEW: _l("Under review"),
    CaseState.EXCLUDED: _l("Not reviewed"),
    CaseState.CONCLUDED: _l("Concluded"),
    CaseState.ARCHIVED: _l("Archived"),
}
VERDICT_LABELS = {
    "pass": _l("Pass"),
    "pass_after_revision": _l("Pass after revision"),
    "fail": _l("Fail"),
}


def skipped_by_plan(case: ReviewCase, switch: str | None, passed: bool) -> bool:
    """A step the plan switched off, once the review has gone past it."""
    return bool(switch and case.plan and not case.plan.get(switch) and passed)


@dataclass
class Step:
    key: str
    label: object
    status: str  # done, current, skipped, ahead
    by: str | None = None
    at: object = None
    task_id: int | None = None


def steps_of(case: ReviewCase) -> list[Step]:
    """The eleven steps of a case from its instance's task rows (one statement) and its plan."""
    rows = (
        list(
            db.session.scalars(
                select(HumanTask).where(HumanTask.instance_id == case.instance_id).order_by(HumanTask.id)
            )
        )
        if case.instance_id
        else []
    )
    names = (
        {
            u.id: u.display_name
            for u in db.session.scalars(
                select(User).where(User.id.in_({r.completed_by_id for r in rows if r.completed_by_id}))
            )
        }
        if rows
        else {}
    )
    reached = {r.bpmn_id for r in rows}
    last_reached = max((i for i, (key, _l2, _s) in enumerate(STEPS) if key in reached), default=-1)
    steps = []
    for index, (key, label, switch) in enumerate(STEPS):
        mine = [r for r in rows if r.bpmn_id == key]
        ready = [r for r in mine if r.state == HumanTaskState.READY]
        done = [r for r in mine if r.state == HumanTaskState.COMPLETED]
        if ready:
            steps.append(Step(key, label, "current", task_id=ready[0].id))
        elif done:
            last = done[-1]
            steps.append(Step(key, label, "done", names.get(last.completed_by_id or 0), last.completed_at, last.id))
        elif case.state == CaseState.EXCLUDED or (
            switch and (case.plan or {}) and not case.plan.get(switch) and index < last_reached
        ):
            steps.append(Step(key, label, "skipped"))
        else:
            steps.append(Step(key, label, "ahead"))
    return steps
