"""Project report PDFs: one project's download, and batches of many with a progress page and a ZIP."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...i18n import local_time
from ..batch import services as batches
from ..batch.models import BatchState, ReportBatch
from . import services as pdf

bp = Blueprint("project_reports", __name__, url_prefix="/reports/projects", template_folder="templates")
RECENT_BATCHES = 20


@bp.route("/<int:project_id>.pdf")
@login_required
def project_pdf(project_id: int):  # type: ignore[no-untyped-def]
    name, data = pdf.download(current_user, project_id)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/batches", methods=["GET", "POST"])
@login_required
def batches_index():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        try:
            batch = batches.start_batch(current_user, request.form)
        except batches.BatchError as exc:
            db.session.rollback()
            flash(_message(exc), "warning")
            args = {k: v for k, v in request.form.items() if k != "csrf_token"}
            return redirect(url_for("projects.index", **args))
        db.session.commit()
        return redirect(url_for("project_reports.batch_page", batch_id=batch.id))
    recent = batches.recent_batches(current_user, RECENT_BATCHES)
    return render_template("project_reports/batches.html", batches=recent, labels=_state_labels())


@bp.route("/batches/<int:batch_id>")
@login_required
def batch_page(batch_id: int):  # type: ignore[no-untyped-def]
    batch = _status(batch_id)
    return render_template("project_reports/batch.html", batch=batch, status=_as_json(batch), labels=_state_labels())


@bp.route("/batches/<int:batch_id>.json")
@login_required
def batch_status(batch_id: int):  # type: ignore[no-untyped-def]
    return jsonify(_as_json(_status(batch_id)))


@bp.route("/batches/<int:batch_id>/download")
@login_required
def batch_download(batch_id: int):  # type: ignore[no-untyped-def]
    try:
        batch, stream = batches.open_zip(current_user, batch_id)
    except batches.BatchNotFoundError:
        abort(404)
    db.session.commit()  # the download's audit event
    return send_file(
        stream,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"项目报告_{batch.id}_{local_time(batch.created_at, '%Y%m%d')}.zip",
    )


def _status(batch_id: int) -> ReportBatch:
    try:
        batch = batches.status(current_user, batch_id)
    except batches.BatchNotFoundError:
        abort(404)
    db.session.commit()  # a batch found failed stays failed
    return batch


def _state_labels() -> dict[str, str]:
    return {
        BatchState.QUEUED: _("Waiting in the queue"),
        BatchState.RUNNING: _("Generating the reports"),
        BatchState.DONE: _("All reports generated"),
        BatchState.FAILED: _("The batch failed"),
    }


def _as_json(batch: ReportBatch) -> dict[str, object]:
    done = batch.state == BatchState.DONE
    return {
        "id": batch.id,
        "state": batch.state,
        "label": _state_labels().get(batch.state, batch.state),
        "total": batch.total,
        "done": batch.done_count,
        "failed": batch.failed_count,
        "percent": 100 if done else (batch.done_count * 100 // batch.total if batch.total else 0),
        "download": url_for("project_reports.batch_download", batch_id=batch.id) if done else None,
        "error": _("The batch failed. Start it again; if it fails again, tell an administrator.")
        if batch.state == BatchState.FAILED
        else None,
    }


def _message(exc: batches.BatchError) -> str:
    if exc.reason == "too_many":
        return _(
            "More than %(count)d projects match these filters. Narrow the filters and start again.", count=exc.count
        )
    return _("No project matches these filters: there is nothing to generate.")
