"""The audit log for auditors: filter, page through, check the chain."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import page_arg
from . import describe, services

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
# pages that show audited events (the project's history) name actions as the audit log does
bp.add_app_template_global(describe.action_label, "audit_action_label")
PER_PAGE = 50


def _auditors_only() -> None:
    # like any object a user may not see: not found, rather than a hint that the page exists
    if not current_user.is_auditor:
        abort(404)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    _auditors_only()
    page = page_arg()
    filters = services.EventFilter.from_args(request.args)
    found = services.browse(filters, page, PER_PAGE)
    return render_template(
        "audit/index.html",
        rows=found.rows,
        total=found.total,
        status=found.status,
        filters=filters,
        actions=services.ACTIONS,
        object_types=describe.OBJECT_LABELS,
        page=page,
        per_page=PER_PAGE,
    )


@bp.route("/verify", methods=["POST"])
@login_required
def verify():  # type: ignore[no-untyped-def]
    _auditors_only()
    report = services.check_chain(current_user.id)
    db.session.commit()
    if report.ok:
        flash(_("The audit chain is intact: %(count)d events checked.", count=report.checked), "success")
    else:
        flash(_("The audit chain is broken at event no. %(id)d.", id=report.bad_id), "danger")
    return redirect(url_for("audit.index"))
