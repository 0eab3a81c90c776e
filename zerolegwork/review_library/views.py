"""Pages of the review library: a call's ranked results, its total and budget arrangement, an entry and its report."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit import services as audit
from ..calls.models import ProjectCall
from ..extensions import db
from ..http import back_from_referrer, page_arg
from ..reviews.models import Verdict
from . import batch, budget, exports, services
from .errors import BudgetConflictError, BudgetRefusedError, LibraryError, LibraryNotFoundError

bp = Blueprint("library", __name__, template_folder="templates")
PER_PAGE = 20
AUDIT_ACTIONS = {
    "library.enter": _l("Entered the review library"),
    "library.report": _l("Review report downloaded"),
    "library.export": _l("Review library exported"),
    "call.total": _l("Call total set"),
    "budget.reverse": _l("Budget arrangement reversed"),
}
bp.record_once(lambda _state: audit.ACTIONS.update(AUDIT_ACTIONS))


def _call(call_id: int) -> ProjectCall:
    try:
        return services.library_call(current_user, call_id)
    except LibraryNotFoundError:
        abort(404)


def _listing(call: ProjectCall, errors: dict[str, str] | None = None, values: Any = None, status: int = 200) -> Any:
    q = (request.values.get("q") or "").strip()[:100]
    verdict = request.values.get("verdict") or ""
    stmt = services.ranked_query(current_user, call, q, verdict)
    total = services.count(stmt)
    page = page_arg(max(1, (total + PER_PAGE - 1) // PER_PAGE))
    manages = services.manages_call(current_user, call)
    html = render_template(
        "review_library/call.html",
        call=call,
        rows=services.page_of(stmt, page, PER_PAGE),
        total=total,
        page=page,
        per_page=PER_PAGE,
        q=q,
        verdict=verdict,
        verdicts=tuple(Verdict),
        fundable=services.FUNDABLE,
        args={k: v for k, v in {"q": q, "verdict": verdict}.items() if v},
        manages=manages,
        arranges=manages and current_user.org_id == call.issuer_id,
        arranged=services.arranged_total(call),
        errors=errors or {},
        values=values if values is not None else {},
        status=status,
    )
    return html, status


@bp.route("/calls/<int:call_id>/library")
@login_required
def call_library(call_id: int):  # type: ignore[no-untyped-def]
    return _listing(_call(call_id))


@bp.route("/calls/<int:call_id>/library.xlsx")
@login_required
def export(call_id: int):  # type: ignore[no-untyped-def]
    call = _call(call_id)
    q = (request.args.get("q") or "").strip()[:100]
    data = exports.ranked_book(
        current_user, call, services.ranked_query(current_user, call, q, request.args.get("verdict") or "")
    )
    db.session.commit()  # the export's audit event
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"评审库_{call.id}.xlsx",
    )


@bp.route("/calls/<int:call_id>/library/total", methods=["POST"])
@login_required
def set_total(call_id: int):  # type: ignore[no-untyped-def]
    try:
        services.set_total(current_user, call_id, request.form.get("total_amount"))
    except LibraryNotFoundError:
        abort(404)
    except LibraryError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("library.call_library", call_id=call_id))
    db.session.commit()
    flash(_("The call's total amount is saved."), "success")
    return redirect(url_for("library.call_library", call_id=call_id))


@bp.route("/calls/<int:call_id>/library/arrange", methods=["POST"])
@login_required
def arrange(call_id: int):  # type: ignore[no-untyped-def]
    try:
        lines = budget.arrange(current_user, call_id, request.form)
    except LibraryNotFoundError:
        abort(404)
    except BudgetConflictError as exc:
        db.session.rollback()
        return _listing(_call(call_id), {"_form": str(exc)}, request.form, 409)
    except BudgetRefusedError as exc:
        db.session.rollback()
        return _listing(_call(call_id), exc.errors, request.form, 422)
    db.session.commit()
    flash(_("Budget arranged for %(n)d projects.", n=len(lines)), "success")
    return redirect(url_for("library.call_library", call_id=call_id))


@bp.route("/calls/<int:call_id>/library/reports", methods=["POST"])
@login_required
def reports(call_id: int):  # type: ignore[no-untyped-def]
    call = _call(call_id)
    try:
        started = batch.start_review_batch(current_user, call)
    except LibraryNotFoundError:
        abort(404)
    except LibraryError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("library.call_library", call_id=call.id))
    db.session.commit()
    return redirect(url_for("project_reports.batch_page", batch_id=started.id))


@bp.route("/library/lines/<int:line_id>/reverse", methods=["POST"])
@login_required
def reverse(line_id: int):  # type: ignore[no-untyped-def]
    try:
        undo = budget.reverse(current_user, line_id, request.form)
    except LibraryNotFoundError:
        abort(404)
    except (BudgetConflictError, BudgetRefusedError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back_from_referrer() or url_for("calls.index"))
    entry_id = undo.entry_id
    db.session.commit()
    flash(_("The arrangement is reversed."), "success")
    return redirect(url_for("library.entry", entry_id=entry_id))


@bp.route("/library/<int:entry_id>")
@login_required
def entry(entry_id: int):  # type: ignore[no-untyped-def]
    try:
        found = services.get_entry(current_user, entry_id)
    except LibraryNotFoundError:
        abort(404)
    return render_template(
        "review_library/entry.html",
        entry=found,
        lines=(lines := budget.lines_of(found)),
        reversed_ids=budget.reversed_ids(lines),
        manages=services.manages_call(current_user, found.call),
        arranges=current_user.org_id == found.call.issuer_id,
    )


@bp.route("/library/<int:entry_id>/report.pdf")
@login_required
def report(entry_id: int):  # type: ignore[no-untyped-def]
    try:
        name, data = exports.download_report(current_user, entry_id)
    except LibraryNotFoundError:
        abort(404)
    db.session.commit()  # the download's audit event
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
