"""Inbox pages: the views of the list, the task page, claiming, releasing and completing a task."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..engine.forms import FormValidationError
from ..extensions import db
from ..web import page_arg
from . import services

bp = Blueprint("inbox", __name__, template_folder="templates")


@bp.errorhandler(services.TaskClaimedError)
def task_claimed(exc: services.TaskClaimedError):  # type: ignore[no-untyped-def]
    from ..errors import _respond

    db.session.rollback()
    return _respond(409, exc.message())


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    query = services.InboxQuery.from_args(request.args, page_arg())
    page = services.inbox_page(current_user, query)
    return render_template("inbox/index.html", page=page, query=query)


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = {k: v for k, v in request.form.items() if k not in ("csrf_token", "next")}
        try:
            services.complete(current_user, task_id, answers)
        except FormValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("Submitted. The next step has been sent on."), "success")
            return redirect(url_for("inbox.index"))
    page = services.task_page(current_user, task_id)
    status = 422 if errors else 200
    return render_template("inbox/task.html", page=page, errors=errors, values=request.form), status


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
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.task", task_id=task_id)
