"""异常处理 routes on the 流程管理 blueprint: skip a failed step, edit a matter's data, terminate a matter."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..engine import repair_actions as repair
from ..engine.errors import ScriptCapacityError, TaskNotFoundError, TaskNotReadyError
from ..extensions import db
from ..http import safe_target
from ..projects import services as projects
from .views import bp

MAX_REASON = 500


def refusal(exc: repair.RepairRefusedError) -> str:
    """The words for a refused repair."""
    messages = {
        "no_reason": _("Say why (at most %(n)d characters).", n=MAX_REASON),
        "person_step": _(
            "This incident arose when a person completed a task: the matter stays as it was before that "
            "completion, without their answers, so there is no step of the engine to skip. Retry instead: "
            "the task goes back to them."
        ),
        "no_step": _("The engine did not say which step failed, so nothing can be skipped. Retry instead."),
        "too_large": _("The data is too large (at most %(kb)d KB).", kb=repair.MAX_DATA_BYTES // 1024),
        "bad_json": _("This is not valid JSON: %(detail)s", detail=exc.detail),
        "not_object": _('The data must be one JSON object: {"name": value, …}.'),
        "bad_key": _(
            "%(key)s cannot be a data name: use letters, digits and underscores, not starting with a digit "
            "or an underscore, and not the name of a function the diagrams use.",
            key=exc.detail,
        ),
        "reserved": _("%(keys)s are kept by the platform and cannot be changed here.", keys=exc.detail),
    }
    return messages.get(exc.reason, _("Something went wrong."))


def _reason() -> str | None:
    reason = request.form.get("reason", "").strip()
    return reason if reason and len(reason) <= MAX_REASON else None


@bp.route("/incidents/<int:instance_id>/skip", methods=["POST"])
@login_required
def skip(instance_id: int):  # type: ignore[no-untyped-def]
    back = url_for("processes.incidents")
    reason = _reason()
    if reason is None:
        flash(_("Say why the failed step is skipped (at most %(n)d characters).", n=MAX_REASON), "danger")
        return redirect(back)
    try:
        result = repair.skip_failed_step(instance_id, current_user.id, reason)
    except TaskNotFoundError:
        db.session.rollback()
        abort(404)
    except TaskNotReadyError:
        db.session.rollback()
        flash(_("This matter is no longer an incident."), "info")
        return redirect(back)
    except repair.RepairRefusedError as exc:
        db.session.rollback()
        flash(refusal(exc), "danger")
        return redirect(back)
    except ScriptCapacityError:
        db.session.rollback()
        flash(_("The server is busy; nothing was changed. Try again in a moment."), "warning")
        return redirect(back)
    db.session.commit()
    if result.next_incident is None:
        flash(_("Skipped %(element)s: the matter runs again.", element=result.name), "success")
    else:
        element, reason = result.name, result.next_incident
        flash(_("Skipped %(element)s; the next step failed: %(reason)s", element=element, reason=reason), "danger")
    return redirect(back)


@bp.route("/instances/<int:instance_id>/data", methods=["GET", "POST"])
@login_required
def edit_data(instance_id: int):  # type: ignore[no-untyped-def]
    try:
        shown = repair.editable_data(instance_id)
    except TaskNotFoundError:
        abort(404)
    except TaskNotReadyError:
        flash(_("Only the data of an incident or of a suspended matter can be edited."), "danger")
        return redirect(url_for("processes.incidents"))
    text = json.dumps(shown, ensure_ascii=False, indent=2, sort_keys=True)
    if request.method == "GET":
        return render_template("processes/edit_data.html", instance_id=instance_id, text=text, error=None)
    submitted = request.form.get("data", "")
    try:
        changed = repair.edit_data(instance_id, submitted, current_user.id)
    except TaskNotReadyError:
        db.session.rollback()
        flash(_("Only the data of an incident or of a suspended matter can be edited."), "danger")
        return redirect(url_for("processes.incidents"))
    except repair.RepairRefusedError as exc:
        db.session.rollback()
        page = render_template("processes/edit_data.html", instance_id=instance_id, text=submitted, error=refusal(exc))
        return page, 413 if exc.reason == "too_large" else 400
    db.session.commit()
    if changed:
        flash(_("Saved; changed: %(keys)s. Retry the matter to run with it.", keys="、".join(changed)), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("processes.incidents"))


@bp.route("/instances/<int:instance_id>/terminate", methods=["POST"])
@login_required
def terminate(instance_id: int):  # type: ignore[no-untyped-def]
    back = safe_target(request.form.get("next")) or url_for("processes.incidents")
    reason = _reason()
    if reason is None:
        flash(_("Say why the matter is terminated (at most %(n)d characters).", n=MAX_REASON), "danger")
        return redirect(back)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm: a terminated matter cannot be resumed."), "danger")
        return redirect(back)
    try:
        cancelled = repair.terminate_instance(instance_id, current_user.id, reason)
        projects.close_after_termination(instance_id, current_user.id)  # no longer 审批中 once its matter is gone
    except TaskNotFoundError:
        db.session.rollback()
        abort(404)
    except TaskNotReadyError:
        db.session.rollback()
        flash(_("Only a running, suspended or failed matter can be terminated."), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Terminated: %(n)d open task(s) were cancelled.", n=cancelled), "success")
    return redirect(back)


@bp.route("/jobs/<int:outbox_id>/retry", methods=["POST"])
@login_required
def retry_job(outbox_id: int):  # type: ignore[no-untyped-def]
    """A background job that exhausted its retries gets a fresh set (audited), sent once this commits."""
    from . import failed_jobs

    try:
        failed_jobs.retry_job(outbox_id, current_user.id)
    except TaskNotFoundError:
        db.session.rollback()
        abort(404)
    except TaskNotReadyError:
        db.session.rollback()
        flash(_("Only a job that failed for good can be retried."), "warning")
        return redirect(url_for("processes.incidents"))
    db.session.commit()
    flash(_("The job was sent again."), "success")
    return redirect(url_for("processes.incidents"))
