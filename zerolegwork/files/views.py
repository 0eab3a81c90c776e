"""Evidence pages: upload to a project, download and preview after the permission check."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, send_file, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import safe_target, wants_json
from ..projects.services import get_visible_project
from . import services, storage
from .errors import NoFileError, UploadError, message_for
from .models import Attachment
from .validation import PREVIEWABLE

bp = Blueprint("files", __name__, url_prefix="/files", template_folder="templates")

MAX_FILES_PER_REQUEST = 5
# served bytes are never run as a page: no type guessing, and a sandbox without scripts or origin
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


@bp.record_once
def start(state: BlueprintSetupState) -> None:
    storage.init_app(state.app)


@bp.route("/projects/<int:project_id>/upload", methods=["POST"])
@login_required
def upload(project_id: int):  # type: ignore[no-untyped-def]
    project = get_visible_project(current_user, project_id)  # 404 before anything is said about the file
    slot = request.form.get("slot", "")
    task_id = request.form.get("task_id", "")
    files = [f for f in request.files.getlist("file") if f.filename][:MAX_FILES_PER_REQUEST]
    back = safe_target(request.form.get("next"))
    uploaded = []
    try:
        if not files:
            raise NoFileError()
        for file in files:
            attachment = services.upload(
                current_user,
                project.id,
                slot,
                file.filename or "",
                file.stream,
                int(task_id) if task_id.isdigit() else None,
            )
            uploaded.append(attachment.id)
    except UploadError as exc:
        if back is None or wants_json():
            raise
        db.session.rollback()
        flash(message_for(exc)[1], "danger")
        return redirect(back, 303)
    db.session.commit()
    if wants_json():  # the page's script uploads in place and redraws the evidence card itself
        return jsonify(ok=True, message=_("Uploaded."), attachments=uploaded)
    flash(_("Uploaded."), "success")
    return redirect(back or url_for("projects.detail", project_id=project.id), 303)


@bp.route("/<int:attachment_id>/withdraw", methods=["POST"])
@login_required
def withdraw(attachment_id: int):  # type: ignore[no-untyped-def]
    attachment = services.withdraw(current_user, attachment_id)
    db.session.commit()
    if wants_json():
        return jsonify(ok=True, message=_("The version was withdrawn; it stays on record, marked as withdrawn."))
    flash(_("The version was withdrawn; it stays on record, marked as withdrawn."), "success")
    back = safe_target(request.form.get("next"))
    return redirect(back or url_for("projects.detail", project_id=attachment.project_id), 303)


@bp.route("/<int:attachment_id>/download")
@login_required
def download(attachment_id: int):  # type: ignore[no-untyped-def]
    return _send(services.get_for_download(current_user, attachment_id), inline=False)


@bp.route("/<int:attachment_id>/preview")
@login_required
def preview(attachment_id: int):  # type: ignore[no-untyped-def]
    attachment = services.get_for_download(current_user, attachment_id)
    if attachment.content_type not in PREVIEWABLE:
        return redirect(url_for("files.download", attachment_id=attachment.id))
    return _send(attachment, inline=True)


def _send(attachment: Attachment, inline: bool):  # type: ignore[no-untyped-def]
    response = send_file(
        services.open_content(attachment),
        mimetype=attachment.content_type,
        as_attachment=not inline,
        download_name=attachment.filename,
        etag=attachment.sha256,
        conditional=False,  # S3 streams do not seek: no ranges; the ETag still answers 304 below
    )
    response.content_length = attachment.size
    response.cache_control.private = True
    response.headers.update(SAFE_HEADERS)
    return response.make_conditional(request)
