"""The fund pages (资金): a project's ledger, entering and importing payments, reversal, vouchers, exceptions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit import services as audit
from ..dictionaries import services as dictionaries
from ..extensions import db
from ..files import owners
from ..files.errors import EvidenceOwnerError, UploadError, message_for
from ..http import page_arg
from ..projects.sheet import MAX_FILE_BYTES
from ..registration.services import regions
from . import imports, ledger, listing, report, rules, services, sheets, vouchers
from .errors import PaymentError, PaymentFormError, PaymentImportError, PaymentNotFoundError
from .models import ExceptionRule

bp = Blueprint("funds", __name__, template_folder="templates")
AUDIT_ACTIONS = {
    "payment.create": _l("Payment entered"),
    "payment.import": _l("Payments imported"),
    "payment.reverse": _l("Payment reversed"),
    "payment.voucher": _l("Payment voucher added"),
    "fund.exceptions_export": _l("Fund exceptions exported"),
    "fund.report_export": _l("Fund reconciliation report exported"),
}


def _register(_state: Any) -> None:
    audit.ACTIONS.update(AUDIT_ACTIONS)
    owners.PREFIX_OWNERS[vouchers.PREFIX] = vouchers.line_owner
    owners.PREFIX_WITHDRAWN[vouchers.PREFIX] = vouchers.withdrawn


bp.record_once(_register)
bp.add_app_template_global(rules.rule_label, "fund_rule_label")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=funds.xlsx; filename*=UTF-8''{quote(name)}.xlsx"},
    )


def _page(project_id: int, status: int = 200, **extra: Any):  # type: ignore[no-untyped-def]
    page = ledger.fund_page(current_user, project_id, page_arg())
    return render_template(
        "funds/project.html", **{"errors": {}, "values": {}, "problems": [], **page, **extra}
    ), status


@bp.route("/projects/<int:project_id>/funds")
@login_required
def project(project_id: int):  # type: ignore[no-untyped-def]
    return _page(project_id)


def _upload(name: str) -> tuple[str, Any] | None:
    item = request.files.get(name)
    return (item.filename or "", item.stream) if item is not None and item.filename else None


@bp.route("/projects/<int:project_id>/funds/payments", methods=["POST"])
@login_required
def add_payment(project_id: int):  # type: ignore[no-untyped-def]
    try:
        services.record_payment(current_user, project_id, request.form, _upload("voucher"))
    except PaymentNotFoundError:
        db.session.rollback()
        abort(404)
    except PaymentFormError as exc:
        db.session.rollback()
        return _page(project_id, 422, errors=exc.errors, values=request.form)
    except (UploadError, EvidenceOwnerError) as exc:
        db.session.rollback()
        return _page(project_id, 422, errors={"voucher": message_for(exc)[1]}, values=request.form)
    db.session.commit()
    flash(_("The payment is entered and the ledger checked again."), "success")
    return redirect(url_for("funds.project", project_id=project_id))


@bp.route("/projects/<int:project_id>/funds/template.xlsx")
@login_required
def template(project_id: int):  # type: ignore[no-untyped-def]
    try:
        project = services.get_enterable_project(current_user, project_id)
    except PaymentNotFoundError:
        abort(404)
    return _xlsx(sheets.template(project, dictionaries.labels("funding_source")), _("Payment import template"))


@bp.route("/projects/<int:project_id>/funds/import", methods=["POST"])
@login_required
def import_payments(project_id: int):  # type: ignore[no-untyped-def]
    try:
        project = services.get_enterable_project(current_user, project_id)
    except PaymentNotFoundError:
        abort(404)
    item = request.files.get("workbook")
    data = item.stream.read(MAX_FILE_BYTES + 1) if item is not None and item.filename else b""
    try:
        payments = imports.import_payments(current_user, project, imports.read_workbook(data))
    except PaymentImportError as exc:
        db.session.rollback()
        return _page(project_id, 422, problems=[m for _r, m in exc.problems])
    db.session.commit()
    flash(_("%(n)s payments imported; the ledger is checked again.", n=len(payments)), "success")
    return redirect(url_for("funds.project", project_id=project_id))


@bp.route("/funds/payments/<int:payment_id>/reverse", methods=["POST"])
@login_required
def reverse(payment_id: int):  # type: ignore[no-untyped-def]
    try:
        reversal = services.reverse_payment(current_user, payment_id, request.form.get("reason", ""))
    except PaymentNotFoundError:
        db.session.rollback()
        abort(404)
    except PaymentError as exc:
        db.session.rollback()
        _payment, project = services.get_own_payment(current_user, payment_id)
        flash(str(exc), "danger")
        return redirect(url_for("funds.project", project_id=project.id))
    db.session.commit()
    flash(_("The payment is reversed; both entries stay in the ledger."), "success")
    return redirect(url_for("funds.project", project_id=reversal.project_id))


@bp.route("/funds/payments/<int:payment_id>/voucher", methods=["POST"])
@login_required
def voucher(payment_id: int):  # type: ignore[no-untyped-def]
    upload = _upload("voucher") or ("", None)
    try:
        payment = services.attach_voucher(current_user, payment_id, upload[0], upload[1])  # type: ignore[arg-type]
    except PaymentNotFoundError:
        db.session.rollback()
        abort(404)
    except (PaymentError, UploadError, EvidenceOwnerError) as exc:
        db.session.rollback()
        _payment, project = services.get_own_payment(current_user, payment_id)
        flash(str(exc) if isinstance(exc, PaymentError) else message_for(exc)[1], "danger")
        return redirect(url_for("funds.project", project_id=project.id))
    db.session.commit()
    flash(_("The voucher is attached."), "success")
    return redirect(url_for("funds.project", project_id=payment.project_id))


@bp.route("/funds/exceptions")
@login_required
def exceptions():  # type: ignore[no-untyped-def]
    if not listing.may_list(current_user):
        abort(404)
    labels = dictionaries.labels("funding_source")
    query = listing.ExceptionQuery.from_args(request.args, labels)
    page = page_arg()
    rows, total = listing.list_exceptions(current_user, query, page, ledger.PER_PAGE)
    return render_template(
        "funds/exceptions.html",
        rows=[(e, p, rules.describe(e.rule, e.figures, labels, e.source)) for e, p in rows],
        total=total,
        page=page,
        per_page=ledger.PER_PAGE,
        query=query,
        args=query.args(),
        labels=labels,
        regions=regions(),
        rule_names=list(ExceptionRule),
    )


@bp.route("/funds/exceptions.xlsx")
@login_required
def export_exceptions():  # type: ignore[no-untyped-def]
    if not listing.may_list(current_user):
        abort(404)
    labels = dictionaries.labels("funding_source")
    content = sheets.export_exceptions(current_user, listing.ExceptionQuery.from_args(request.args, labels), labels)
    db.session.commit()
    return _xlsx(content, _("Fund exceptions"))


@bp.route("/funds/report")
@login_required
def report_page():  # type: ignore[no-untyped-def]
    if not listing.may_list(current_user):
        abort(404)
    table = report.build(current_user, report.grouping(request.args))
    return render_template("funds/report.html", report=table, columns=report.COLUMNS, label=report.label)


@bp.route("/funds/report.xlsx")
@login_required
def report_download():  # type: ignore[no-untyped-def]
    if not listing.may_list(current_user):
        abort(404)
    table = report.build(current_user, report.grouping(request.args))
    audit.record("fund.report_export", "fund_report", table.by, current_user.id, rows=len(table.rows))
    content = report.workbook(table)
    db.session.commit()
    return _xlsx(content, table.title)


@bp.route("/funds/report.pdf")
@login_required
def report_pdf():  # type: ignore[no-untyped-def]
    if not listing.may_list(current_user):
        abort(404)
    table = report.build(current_user, report.grouping(request.args))
    audit.record("fund.report_export", "fund_report", table.by, current_user.id, rows=len(table.rows), format="pdf")
    content = report.pdf(table)
    db.session.commit()
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=funds.pdf; filename*=UTF-8''{quote(table.title)}.pdf"},
    )
