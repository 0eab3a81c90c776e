"""Inbox pages: the list, the task page, completing a task."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..engine.forms import FormValidationError
from ..extensions import db
from ..web import page_arg
from . import services

bp = Blueprint("inbox", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    done = request.args.get("view") == "done"
    rows, total = services.inbox(current_user, page=page_arg(), done=done)
    return render_template("inbox/index.html", rows=rows, total=total, page=page_arg(), per_page=20, done=done)


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = {k: v for k, v in request.form.items() if k != "csrf_token"}
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
