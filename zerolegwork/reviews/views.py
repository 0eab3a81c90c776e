"""Pages of the review: a call's applications under review (start a batch: 确定项目) and one case's steps."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit import services as audit
from ..calls.errors import CallNotFoundError
from ..calls.services import get_managed_call
from ..engine.errors import EngineError
from ..engine.forms import FormValidationError
from ..experts.models import ReviewPanel
from ..extensions import db
from ..http import page_arg
from ..review_library import services as library
from . import progress, services
from .errors import ReviewError, ReviewNotFoundError
from .models import CaseState

bp = Blueprint("reviews", __name__, template_folder="templates")
PER_PAGE = 20
FILTERS = ("none", *CaseState)
AUDIT_ACTIONS = {
    "review.start": _l("Applications chosen for review"),
    "review.exclude": _l("Application not reviewed"),
    "review.accept": _l("Accepted for review"),
    "review.return": _l("Returned for missing material"),
    "review.supplement": _l("Material supplemented"),
    "review.conclude": _l("Review concluded"),
    "review.use": _l("Review result used"),
    "review.archive": _l("Review dossier archived"),
}
bp.record_once(lambda _state: audit.ACTIONS.update(AUDIT_ACTIONS))
bp.add_app_template_global(lambda s: progress.STATE_LABELS.get(s, s), "review_state_label")
bp.add_app_template_global(lambda v: progress.VERDICT_LABELS.get(v or "", "—"), "review_verdict_label")


@bp.route("/calls/<int:call_id>/reviews")
@login_required
def call_reviews(call_id: int):  # type: ignore[no-untyped-def]
    try:
        call = get_managed_call(current_user, call_id)
    except CallNotFoundError:
        abort(404)
    q = (request.args.get("q") or "").strip()[:100]
    state = request.args.get("state") or ""
    total = services.count_call_rows(call, q, state)
    page = page_arg(max(1, (total + PER_PAGE - 1) // PER_PAGE))
    rows = services.call_rows(call, q, state, page, PER_PAGE)
    waiting = services.open_steps(c.instance_id for _a, c, _p, _u in rows if c is not None and c.instance_id)
    args = {k: v for k, v in {"q": q, "state": state}.items() if v}
    return render_template(
        "reviews/call.html",
        call=call,
        rows=rows,
        waiting=waiting,
        total=total,
        page=page,
        per_page=PER_PAGE,
        q=q,
        state=state,
        args=args,
        filters=FILTERS,
        counts=services.counts_by_state(call),
        max_batch=services.MAX_BATCH,
    )


@bp.route("/calls/<int:call_id>/reviews", methods=["POST"])
@login_required
def start(call_id: int):  # type: ignore[no-untyped-def]
    try:
        call = get_managed_call(current_user, call_id)
    except CallNotFoundError:
        abort(404)
    raw = request.form.getlist("application_id")
    try:
        ids = [int(i) for i in raw]
    except ValueError:
        ids = []
        flash(_("Choose at least one application."), "danger")
        return redirect(url_for("reviews.call_reviews", call_id=call.id))
    decision = request.form.get("decision", "review")
    opinion = (request.form.get("opinion") or "").strip()[:1000]
    try:
        cases = services.start_reviews(current_user, call, ids, decision, opinion)
    except (ReviewError, FormValidationError, EngineError) as exc:
        db.session.rollback()
        message = "；".join(exc.errors.values()) if isinstance(exc, FormValidationError) else str(exc)
        flash(message or _("The review could not be started."), "danger")
        return redirect(url_for("reviews.call_reviews", call_id=call.id))
    except ReviewNotFoundError:
        abort(404)
    db.session.commit()
    if decision == "exclude":
        flash(_("%(n)d applications marked as not reviewed.", n=len(cases)), "success")
    else:
        flash(_("%(n)d applications sent to the review centre.", n=len(cases)), "success")
    return redirect(url_for("reviews.call_reviews", call_id=call.id))


@bp.route("/reviews/<int:case_id>")
@login_required
def case(case_id: int):  # type: ignore[no-untyped-def]
    try:
        found = services.get_case(current_user, case_id)
    except ReviewNotFoundError:
        abort(404)
    manages = services.manages(current_user, found)
    panel = db.session.get(ReviewPanel, found.panel_id) if manages and found.panel_id else None
    return render_template(
        "reviews/case.html",
        case=found,
        steps=progress.steps_of(found),
        manages=manages,
        panel=panel,
        # the applicant unit learns the conclusion once the result is used (结果运用), not the panel's scores
        shows_result=manages or found.state == CaseState.ARCHIVED,
        library_entry=library.entry_of_case(found.id),
    )
