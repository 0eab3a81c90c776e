"""Report pages: the investment overview, the fixed statistics tables and their downloads, progress charts."""

from __future__ import annotations

import io

from flask import Blueprint, jsonify, render_template, request, send_file
from flask_login import current_user, login_required

from ...db import utcnow
from ...projects import library
from . import charts, overview, render
from . import tables as fixed

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

TABLE_NAMES = ",".join(fixed.TABLES)
FORMAT_NAMES = ",".join(render.FORMATS)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    query = library.ProjectQuery.from_args(request.args)
    return render_template(
        "reports/overview.html",
        overview=overview.investment_overview(current_user, query),
        query=query,
        args={k: v for k, v in query.as_args().items() if k not in ("sort", "dir")},
        tables=fixed.TABLES,
        **overview.filter_choices(),
    )


@bp.route(f"/fixed/<any({TABLE_NAMES}):name>")
@login_required
def fixed_table(name: str):  # type: ignore[no-untyped-def]
    table = fixed.build(name, current_user, utcnow())
    return render_template("reports/fixed.html", table=table, tables=fixed.TABLES, formats=render.FORMATS)


@bp.route(f"/fixed/<any({TABLE_NAMES}):name>.<any({FORMAT_NAMES}):fmt>")
@login_required
def fixed_download(name: str, fmt: str):  # type: ignore[no-untyped-def]
    table = fixed.build(name, current_user, utcnow())
    out = render.FORMATS[fmt]
    return send_file(
        io.BytesIO(out.write(table)),
        mimetype=out.mimetype,
        as_attachment=True,
        download_name=render.filename(table, fmt),
    )


@bp.route("/charts")
@login_required
def group_charts():  # type: ignore[no-untyped-def]
    query = library.ProjectQuery.from_args(request.args)
    args = {k: v for k, v in query.as_args().items() if k not in ("sort", "dir")}
    return render_template("reports/charts.html", query=query, args=args, **overview.filter_choices())


@bp.route("/charts.json")
@login_required
def group_charts_data():  # type: ignore[no-untyped-def]
    query = library.ProjectQuery.from_args(request.args)
    return jsonify(charts.group_progress(current_user, query))


@bp.route("/projects/<int:project_id>/progress.json")
@login_required
def project_progress(project_id: int):  # type: ignore[no-untyped-def]
    return jsonify(charts.project_progress(current_user, project_id))
