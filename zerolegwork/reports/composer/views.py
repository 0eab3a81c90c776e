"""Self-composed report pages: the builder and its table, saved definitions, exports, checking an export."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ...dictionaries import services as dictionaries
from ...engine.routing import today_local
from ...extensions import db
from ...projects.classification import STAGES
from ...registration.services import regions
from . import services as composer
from .models import ReportDefinition  # also registers the table at app start

bp = Blueprint("composer", __name__, url_prefix="/reports/compose", template_folder="templates")
EXPORT_FORMATS = {"xlsx": composer.XLSX_MIME, "csv": "text/csv; charset=utf-8"}
MAX_UPLOAD = 10 * 1024 * 1024


def _page(
    definition: composer.Definition | None,
    table: composer.ReportTable | None = None,
    error: str = "",
    saved: ReportDefinition | None = None,
    as_of_arg: str = "",
) -> tuple[str, int]:
    chosen_dims = list(definition.dims) if definition else list(request.args.getlist("dim"))
    chosen_measures = list(definition.measures) if definition else list(request.args.getlist("m"))
    filters = dict(definition.filters) if definition else {}
    body = render_template(
        "composer/index.html",
        dimensions=composer.DIMENSIONS,
        measures=composer.MEASURES,
        max_dims=composer.MAX_DIMENSIONS,
        chosen_dims=chosen_dims + [""] * (composer.MAX_DIMENSIONS - len(chosen_dims)),
        chosen_measures=set(chosen_measures) if definition or error else {"project_count", "planned_investment"},
        filters=filters,
        definition=definition,
        table=table,
        error=error,
        saved=saved,
        as_of_arg=as_of_arg,
        definitions=composer.definitions_of(current_user),
        vocab=dictionaries.vocabularies(active_only=False),
        stages=STAGES,
        regions=regions(),
        run_args=_run_args(definition, table),
    )
    return body, (422 if error else 200)


def _run_args(definition: composer.Definition | None, table: composer.ReportTable | None) -> dict[str, Any]:
    """The definition and the exact as-of time as url_for arguments: exports of what is on the page."""
    pairs: list[tuple[str, str]] = list(definition.as_args()) if definition else []
    if table is not None:
        pairs.append(("as_of", table.as_of_text))
    return _args(MultiDict(pairs))


def _run(definition: composer.Definition, as_of_arg: str, saved: ReportDefinition | None = None) -> Any:
    try:
        as_of = composer.parse_as_of(as_of_arg)
    except composer.ReportDefinitionError as exc:
        return _page(definition, error=exc.message(), saved=saved, as_of_arg=as_of_arg)
    table = composer.build(current_user, definition, as_of)
    return _page(definition, table, saved=saved, as_of_arg=as_of_arg)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    if "dim" not in request.args and "m" not in request.args:
        return _page(None)
    try:
        definition = composer.Definition.from_args(request.args)
    except composer.ReportDefinitionError as exc:
        return _page(None, error=exc.message())
    return _run(definition, request.args.get("as_of", ""))


@bp.route("/definitions/<int:definition_id>")
@login_required
def run(definition_id: int):  # type: ignore[no-untyped-def]
    try:
        saved = composer.get_definition(current_user, definition_id)
        definition = composer.stored_definition(saved)
    except composer.ReportDefinitionNotFoundError:
        abort(404)
    except composer.ReportDefinitionError as exc:
        return _page(None, error=exc.message())
    return _run(definition, request.args.get("as_of", ""), saved=saved)


@bp.route("/export.<fmt>")
@login_required
def export(fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in EXPORT_FORMATS:
        abort(404)
    try:
        definition = composer.Definition.from_args(request.args)
        as_of = composer.parse_as_of(request.args.get("as_of", ""))
    except composer.ReportDefinitionError as exc:
        return _page(None, error=exc.message())
    table = composer.build(current_user, definition, as_of)
    data = composer.export(current_user, table, fmt)
    db.session.commit()  # the export's audit event
    return send_file(
        io.BytesIO(data),
        mimetype=EXPORT_FORMATS[fmt],
        as_attachment=True,
        download_name=f"自组报表_{today_local().isoformat()}.{fmt}",
    )


@bp.route("/definitions", methods=["POST"])
@login_required
def save():  # type: ignore[no-untyped-def]
    raw_id = request.form.get("definition_id", "")
    try:
        definition = composer.Definition.from_args(request.form)
        saved = composer.save_definition(
            current_user,
            request.form.get("name", ""),
            definition,
            shared=bool(request.form.get("shared")),
            definition_id=int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else None,
        )
    except composer.ReportDefinitionNotFoundError:
        abort(404)
    except composer.ReportDefinitionError as exc:
        db.session.rollback()
        flash(exc.message(), "danger")
        return redirect(url_for("composer.index", **_args(request.form)))
    db.session.commit()
    flash(_("Report saved."), "success")
    return redirect(url_for("composer.run", definition_id=saved.id))


@bp.route("/definitions/<int:definition_id>/delete", methods=["POST"])
@login_required
def delete(definition_id: int):  # type: ignore[no-untyped-def]
    try:
        composer.delete_definition(current_user, definition_id)
    except composer.ReportDefinitionNotFoundError:
        abort(404)
    db.session.commit()
    flash(_("Report deleted."), "success")
    return redirect(url_for("composer.index"))


@bp.route("/verify", methods=["POST"])
@login_required
def verify():  # type: ignore[no-untyped-def]
    upload = request.files.get("file")
    data = upload.stream.read(MAX_UPLOAD + 1) if upload else b""
    if not data or len(data) > MAX_UPLOAD:
        flash(_("Choose an exported report file (xlsx or csv)."), "danger")
        return redirect(url_for("composer.index"))
    try:
        result = composer.verify_export(current_user, data)
    except composer.ExportUnreadableError:
        flash(_("This file is not a composed-report export, or it was changed."), "danger")
        return redirect(url_for("composer.index"))
    except composer.ReportDefinitionError as exc:
        flash(exc.message(), "danger")
        return redirect(url_for("composer.index"))
    if result.ok:
        flash(_("Reproduced: the same numbers (checksum %(sum)s).", sum=result.carried[:16]), "success")
    else:
        flash(
            _(
                "Not the same: the file says %(carried)s, a re-run gives %(now)s (edited project data, "
                "another person's scope, or a changed file).",
                carried=result.carried[:16],
                now=result.recomputed[:16],
            ),
            "warning",
        )
    args = MultiDict([*result.definition.as_args(), ("as_of", composer.as_of_text(result.as_of))])
    return redirect(url_for("composer.index", **_args(args)))


def _args(source: Any) -> dict[str, Any]:
    """Form or query pairs as url_for keyword arguments (repeated names become lists)."""
    out: dict[str, Any] = {}
    for key in ("dim", "m"):
        values = [v for v in source.getlist(key) if v]
        if values:
            out[key] = values
    for key in (*composer.FILTER_NAMES, "as_of"):
        value = source.get(key, "")
        if value:
            out[key] = value
    return out
