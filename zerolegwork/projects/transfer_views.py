"""Import the project library from Excel, download the template, export a project list."""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user, login_required

from ..engine.routing import today_local
from ..extensions import db
from . import library, sheet, transfer, workbooks

bp = Blueprint("transfer", __name__, url_prefix="/projects/transfer", template_folder="templates")
SHOWN_PROBLEMS = 500


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_projects():  # type: ignore[no-untyped-def]
    report = None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.stream.read(sheet.MAX_FILE_BYTES + 1) if upload else b""
        dry_run = request.form.get("dry_run") == "1"
        try:
            report = transfer.import_projects(
                data, current_user, dry_run=dry_run, filename=(upload.filename or "") if upload else ""
            )
        except transfer.ImportNotAllowedError:
            abort(404)
        if report.ok and not report.dry_run:
            db.session.commit()
        else:
            db.session.rollback()
    return render_template(
        "transfer/import.html",
        report=report,
        shown=SHOWN_PROBLEMS,
        max_rows=sheet.MAX_ROWS,
        max_mb=sheet.MAX_FILE_BYTES // (1024 * 1024),
    ), (422 if report is not None and not report.ok else 200)


@bp.route("/template.xlsx")
@login_required
def template():  # type: ignore[no-untyped-def]
    return send_file(
        io.BytesIO(workbooks.template()),
        mimetype=sheet.XLSX_MIME,
        as_attachment=True,
        download_name="项目库导入模板.xlsx",
    )


@bp.route("/export.xlsx")
@login_required
def export():  # type: ignore[no-untyped-def]
    query = library.ProjectQuery.from_args(request.args)
    data = workbooks.export_projects(current_user, query)
    db.session.commit()  # the export's audit event
    return send_file(
        io.BytesIO(data),
        mimetype=sheet.XLSX_MIME,
        as_attachment=True,
        download_name=f"项目库导出_{today_local().isoformat()}.xlsx",
    )
