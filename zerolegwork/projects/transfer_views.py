"""Import the project library from Excel, download the template, export a project list."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..dictionaries import services as dictionaries
from ..engine.routing import today_local
from ..extensions import db
from . import import_mapping, library, matching, sheet, transfer, workbooks
from .sheet import ImportReport

bp = Blueprint("transfer", __name__, url_prefix="/projects/transfer", template_folder="templates")
SHOWN_PROBLEMS = 500


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_projects():  # type: ignore[no-untyped-def]
    report = None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.stream.read(sheet.MAX_FILE_BYTES + 1) if upload else b""
        filename = (upload.filename or "") if upload else ""
        report = _run(data, filename, matching.Choices())
        if report.unmatched and len(data) <= sheet.MAX_FILE_BYTES:
            import_mapping.keep(data, filename)
    return _page(report, import_mapping.Mapping())


@bp.route("/import/map", methods=["POST"])
@login_required
def map_import():  # type: ignore[no-untyped-def]
    """The mapping step: the kept upload checked again with the values chosen on the page."""
    if not current_user.is_region_admin:
        abort(404)
    try:
        data, filename = import_mapping.kept()
    except import_mapping.NoStagedFileError:
        flash(_("The uploaded file is no longer kept; upload it again."), "warning")
        return redirect(url_for("transfer.import_projects"))
    mapping = import_mapping.read_form(request.form, current_user)
    report = _run(data, filename, mapping.choices, dry_run=bool(mapping.problems))
    if report.ok and not report.dry_run:
        import_mapping.forget()
    return _page(report, mapping)


def _run(data: bytes, filename: str, choices: matching.Choices, dry_run: bool = False) -> ImportReport:
    """Check (and, when clean and not a dry run, import) a workbook in this request's transaction."""
    dry_run = dry_run or request.form.get("dry_run") == "1"
    try:
        report = transfer.import_projects(data, current_user, dry_run=dry_run, filename=filename, choices=choices)
    except transfer.ImportNotAllowedError:
        abort(404)
    if report.ok and not report.dry_run:
        db.session.commit()
    else:
        db.session.rollback()
        dictionaries.forget()  # entries added for a refused or checked-only import are gone with it
    return report


def _page(report: ImportReport | None, mapping: import_mapping.Mapping):  # type: ignore[no-untyped-def]
    unknown = import_mapping.rows(report, current_user, mapping.chosen) if report and report.unmatched else []
    return render_template(
        "transfer/import.html",
        report=report,
        mapping=mapping,
        unknown=unknown,
        add=import_mapping.ADD,
        kept=import_mapping.kept_name() if unknown else None,
        shown=SHOWN_PROBLEMS,
        max_rows=sheet.MAX_ROWS,
        max_mb=sheet.MAX_FILE_BYTES // (1024 * 1024),
    ), (422 if (report is not None and not report.ok) or mapping.problems else 200)


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
