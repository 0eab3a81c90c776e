"""Inbox pages: the views of the list, the task page, claiming, releasing and completing a task."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..engine.forms import FormValidationError, collect_answers
from ..extensions import db
from ..http import page_arg, safe_target
from ..i18n import local_time
from ..transactions import commit_retrying
from . import actions, countersign, dashboard, deadlines, drafts, services
from .errors import ReasonRequiredError

bp = Blueprint("inbox", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    query = services.InboxQuery.from_args(request.args, page_arg())
    page = services.inbox_page(current_user, query)
    warnings = deadlines.warning_levels([row.task for row in page.rows])
    asked = countersign.waiting_for(current_user, page.actor) if query.view == "mine" else []
    # the home page proper (the first page of "mine", unfiltered) opens with the role's dashboard
    home = query.view == "mine" and query.page == 1 and not query.filtered
    board = dashboard.dashboard(current_user, page.counts) if home else None
    return render_template(
        "inbox/index.html", page=page, query=query, warnings=warnings, countersigns=asked, board=board
    )


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = collect_answers(request.form)
        had_draft = request.form.get("_draft") == "1"

        def submit() -> None:
            services.complete(current_user, task_id, answers)
            if had_draft:  # only then: a completion without a draft pays no statement for it
                drafts.drop(current_user, task_id)

        try:
            # a completion that lost only the race for the instance row (another department signing
            # the same approval at that moment) runs again on the server: the user sees success
            commit_retrying(
                submit,
                object_type="human_task",
                object_id=task_id,
                actor_id=current_user.id,
            )
        except FormValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash(_("Submitted. The next step has been sent on."), "success")
            return redirect(url_for("inbox.index"))
    page = services.task_page(current_user, task_id)
    draft = drafts.load(current_user, task_id) if page.can_act else None
    # a refused submission shows every value as typed; a page opened afresh shows the draft, if one was kept
    fresh = draft.values if draft else page.known_values()
    values = fresh if request.method == "GET" else request.form
    return render_template(
        "inbox/task.html",
        page=page,
        errors=errors,
        values=values,
        draft=draft,
        warning=page.warning,
        remaining=page.remaining,
        posts=page.posts,
    ), (422 if errors else 200)


@bp.route("/tasks/<int:task_id>/draft", methods=["POST"])
@login_required
def save_draft(task_id: int):  # type: ignore[no-untyped-def]
    saved = drafts.save(current_user, task_id, request.form)
    db.session.commit()
    shown = local_time(saved, "%H:%M")
    return {"saved_at": saved.isoformat(), "message": _("Draft saved %(time)s", time=shown)}


@bp.route("/tasks/<int:task_id>/draft/discard", methods=["POST"])
@login_required
def discard_draft(task_id: int):  # type: ignore[no-untyped-def]
    drafts.discard(current_user, task_id)
    db.session.commit()
    flash(_("The draft was thrown away."), "info")
    return redirect(url_for("inbox.task", task_id=task_id), 303)


@bp.route("/tasks/<int:task_id>/diagram.json")
@login_required
def diagram(task_id: int):  # type: ignore[no-untyped-def]
    return services.task_diagram(current_user, task_id)


@bp.route("/tasks/<int:task_id>/countersign", methods=["POST"])
@login_required
def countersign_request(task_id: int):  # type: ignore[no-untyped-def]
    post_ids = [int(v) for v in request.form.getlist("post_ids") if v.isdigit() and len(v) < 10]
    countersign.request(current_user, task_id, post_ids)
    db.session.commit()
    flash(_("The posts were asked to countersign; you can complete the step once all have signed."), "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/countersigns/<int:countersign_id>", methods=["POST"])
@login_required
def countersign_sign(countersign_id: int):  # type: ignore[no-untyped-def]
    row = countersign.sign(
        current_user, countersign_id, request.form.get("decision", ""), request.form.get("opinion", "")
    )
    db.session.commit()
    flash(_("Your countersign opinion was recorded."), "success")
    return redirect(url_for("inbox.task", task_id=row.human_task_id))


@bp.route("/tasks/<int:task_id>/return", methods=["POST"])
@login_required
def return_level(task_id: int):  # type: ignore[no-untyped-def]
    try:
        actions.return_level(current_user, task_id, request.form.get("reason", ""))
    except ReasonRequiredError:
        flash(_("Give the reason for returning the task."), "danger")
        return redirect(url_for("inbox.task", task_id=task_id))
    db.session.commit()
    flash(_("Returned to the previous step with your reason."), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/tasks/<int:task_id>/add-signer", methods=["POST"])
@login_required
def add_signer(task_id: int):  # type: ignore[no-untyped-def]
    post_id = request.form.get("post_id", "")
    actions.add_signer(current_user, task_id, int(post_id) if post_id.isdigit() and len(post_id) < 10 else 0)
    db.session.commit()
    flash(_("The post was added as a signer after the current step."), "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/acknowledge", methods=["POST"])
@login_required
def bulk_acknowledge():  # type: ignore[no-untyped-def]
    ids = [int(v) for v in request.form.getlist("task_ids") if v.isdigit() and len(v) < 10]
    if not ids:
        flash(_("Tick the filing items to acknowledge."), "warning")
        return redirect(url_for("inbox.index"))
    result = actions.bulk_acknowledge(current_user, ids)
    db.session.commit()
    flash(_("Acknowledged %(n)s filing items.", n=len(result.done)), "success")
    if result.refused:
        flash(
            _("%(n)s items were not acknowledged (not filing items, or already handled).", n=len(result.refused)),
            "warning",
        )
    return redirect(url_for("inbox.index"))


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: int):  # type: ignore[no-untyped-def]
    services.claim(current_user, task_id)
    db.session.commit()
    flash(_("You have claimed the task; colleagues at your post see that you are handling it."), "success")
    return redirect(_back(task_id))


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@login_required
def release(task_id: int):  # type: ignore[no-untyped-def]
    services.release(current_user, task_id)
    db.session.commit()
    flash(_("The task is back with your post; any colleague there may claim it."), "success")
    return redirect(_back(task_id))


def _back(task_id: int) -> str:
    """Where a claim button was pressed (a path on this site), else the task page."""
    return safe_target(request.form.get("next")) or url_for("inbox.task", task_id=task_id)
