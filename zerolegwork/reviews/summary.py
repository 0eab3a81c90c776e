"""What a review step's task page shows beside the form: the call, the plan, the panel's progress, the score."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..engine.hooks import Summary
from ..engine.models import HumanTask
from ..experts import scoring
from ..experts.models import ReviewPanel
from ..extensions import db
from ..orgs.models import User
from .models import ReviewCase
from .progress import VERDICT_LABELS


def review_summary(user: User, task: HumanTask, data: dict[str, Any]) -> Summary | None:
    """The review case of the task: the department sees plan, panel and score; the unit the experts' questions."""
    case = db.session.scalars(select(ReviewCase).where(ReviewCase.instance_id == task.instance_id)).first()
    if case is None:
        return None
    summary = Summary(_("Review"), [(_("Call for projects"), case.call.title)])
    manages = user.org_id in (case.call.issuer_id, case.review_centre_id)
    questions = (
        (data.get("presentation") or {}).get("questions") if isinstance(data.get("presentation"), dict) else None
    )
    if questions:
        summary.rows.append((_("Questions to answer"), str(questions)))
    if manages and case.plan:
        mix = "，".join(f"{k} × {v}" for k, v in (case.plan.get("mix") or {}).items())
        summary.rows.append((_("Expertise mix"), mix))
    panel = db.session.get(ReviewPanel, case.panel_id) if manages and case.panel_id else None
    if panel is not None:
        result = scoring.aggregate(panel)
        summary.rows.append((_("Scores submitted"), f"{result.submitted} / {result.expected}"))
        if result.complete and result.score is not None:
            summary.rows.append((_("Aggregated score"), str(result.score)))
            if result.outliers:
                names = "、".join(m.member.expert.name for m in result.outliers)
                summary.rows.append((_("Outliers (over 30 % from the mean)"), names))
        summary.links.append((_("The panel"), url_for("panels.detail", panel_id=panel.id)))
    if case.verdict:
        summary.rows.append((_("Conclusion"), str(VERDICT_LABELS.get(case.verdict, case.verdict))))
    summary.links.insert(0, (_("The review"), url_for("reviews.case", case_id=case.id)))
    return summary
