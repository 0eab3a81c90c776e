"""Calls for projects pages: the list, a call (its applications), the call's form, publish/close, apply, withdraw."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit import services as audit
from ..dictionaries import services as dictionaries
from ..experts.sheets import active_sheets
from ..extensions import db
from ..files.errors import EvidenceOwnerError, UploadError, message_for
from ..http import page_arg
from ..orgs.models import OrgKind
from ..projects import registry
from ..projects.errors import ProjectFormError
from ..registration.services import regions
from . import applications, services, sheets
from .errors import CallError, CallFormError, CallNotFoundError
from .models import ApplicationState, CallState

bp = Blueprint("calls", __name__, url_prefix="/calls", template_folder="templates")
bp.add_app_template_global(sheets.call_state_label)
bp.add_app_template_global(applications.state_label, "application_state_label")
PER_PAGE = 20
# the calls' audit events as auditors read them, added to the log's labels when the blueprint is registered
AUDIT_ACTIONS = {
    "call.create": _l("Call for projects opened (draft)"),
    "call.update": _l("Call for projects changed"),
    "call.publish": _l("Call for projects published"),
    "call.close": _l("Call for projects closed"),
    "call.apply": _l("Applied to a call for projects"),
    "call.withdraw": _l("Application to a call withdrawn"),
    "call.export": _l("Call applications exported"),
}
bp.record_once(lambda _state: audit.ACTIONS.update(AUDIT_ACTIONS))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> Response:
    from urllib.parse import quote

    return Response(
        content,
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename=calls.xlsx; filename*=UTF-8''{quote(name)}.xlsx"},
    )


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    query = services.CallQuery.from_args(request.args)
    rows = services.visible_calls(current_user, query)
    last = max(1, (len(rows) + PER_PAGE - 1) // PER_PAGE)
    page = page_arg(last)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "calls/index.html",
        rows=shown,
        total=len(rows),
        page=page,
        per_page=PER_PAGE,
        query=query,
        args=query.args(),
        may_issue=services.may_issue(current_user),
        days={c.id: services.window_days(c.opens_on, c.closes_on) for c in shown},
        funding=dictionaries.labels("funding_source"),
    )


@bp.route("/export")
@login_required
def export():  # type: ignore[no-untyped-def]
    rows = services.visible_calls(current_user, services.CallQuery.from_args(request.args))
    content = sheets.export_calls(current_user, rows)
    db.session.commit()
    return _xlsx(content, _("Calls for projects"))


def _form_page(call_id: int | None, errors: dict[str, str], values: object):  # type: ignore[no-untyped-def]
    return render_template(
        "calls/form.html",
        call_id=call_id,
        errors=errors,
        values=values,
        regions=regions(),
        categories=dictionaries.names("category", active_only=True),
        funding=dictionaries.labels("funding_source"),
        sheets=active_sheets(),
    ), (422 if errors else 200)


class _Values(dict):  # type: ignore[type-arg]
    """A call's stored fields in the shape of its form (getlist for the multiple choices)."""

    def getlist(self, key: str) -> list[str]:
        value = self.get(key) or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    if not services.may_issue(current_user):
        abort(404)
    if request.method == "POST":
        try:
            call = services.create_call(current_user, request.form)
        except CallFormError as exc:
            db.session.rollback()
            return _form_page(None, exc.errors, request.form)
        db.session.commit()
        flash(_("The call is saved as a draft. Check it, then publish it."), "success")
        return redirect(url_for("calls.detail", call_id=call.id))
    return _form_page(None, {}, _Values(slots="申报书\n可行性研究报告"))


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit(call_id: int):  # type: ignore[no-untyped-def]
    try:
        call = services.get_managed_call(current_user, call_id)
    except CallNotFoundError:
        abort(404)
    if call.state != CallState.DRAFT:
        flash(_("Only a draft call can be edited; this one is already published."), "warning")
        return redirect(url_for("calls.detail", call_id=call.id))
    if request.method == "POST":
        try:
            services.update_call(current_user, call_id, request.form)
        except CallFormError as exc:
            db.session.rollback()
            return _form_page(call_id, exc.errors, request.form)
        except CallError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("calls.detail", call_id=call_id))
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("calls.detail", call_id=call_id))
    values = _Values(
        title=call.title,
        region_ids=call.region_ids,
        categories=call.categories,
        funding_source=call.funding_source or "",
        fund_name=call.fund_name or "",
        total_amount=format(call.total_amount, "f") if call.total_amount is not None else "",
        scoring_sheet=call.scoring_sheet or "",
        opens_on=call.opens_on.isoformat(),
        closes_on=call.closes_on.isoformat(),
        description=call.description,
        slots="\n".join(s["label"] for s in call.slots),
    )
    return _form_page(call_id, {}, values)


def _change(call_id: int, action, done: str):  # type: ignore[no-untyped-def]
    try:
        action(current_user, call_id)
    except CallNotFoundError:
        db.session.rollback()
        abort(404)
    except CallError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("calls.detail", call_id=call_id))


@bp.route("/<int:call_id>/publish", methods=["POST"])
@login_required
def publish(call_id: int):  # type: ignore[no-untyped-def]
    return _change(call_id, services.publish_call, _("Published: units in its scope can now apply."))


@bp.route("/<int:call_id>/close", methods=["POST"])
@login_required
def close(call_id: int):  # type: ignore[no-untyped-def]
    return _change(call_id, services.close_call, _("The call is closed."))


@bp.route("/<int:call_id>")
@login_required
def detail(call_id: int):  # type: ignore[no-untyped-def]
    try:
        call = services.get_call(current_user, call_id)
    except CallNotFoundError:
        abort(404)
    query = applications.ApplicationQuery.from_args(request.args)
    page = page_arg()
    rows, total = applications.list_applications(current_user, call, query, page=page, per_page=PER_PAGE)
    all_regions = regions()
    names = {r.id: r.name for r in all_regions}
    return render_template(
        "calls/detail.html",
        call=call,
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        query=query,
        args=query.args(),
        manager=services.may_manage(current_user, call),
        is_unit=current_user.org.kind == OrgKind.UNIT,
        closed_reason=services.accepts_today(call),
        days=services.window_days(call.opens_on, call.closes_on),
        scope_regions=[names.get(r, str(r)) for r in call.region_ids],
        regions=all_regions,
        categories=dictionaries.names("category", active_only=False),
        funding=dictionaries.labels("funding_source"),
        states=list(ApplicationState),
    )


@bp.route("/<int:call_id>/applications.xlsx")
@login_required
def export_applications(call_id: int):  # type: ignore[no-untyped-def]
    try:
        call = services.get_call(current_user, call_id)
    except CallNotFoundError:
        abort(404)
    query = applications.ApplicationQuery.from_args(request.args)
    content = sheets.export_applications(current_user, call, query)
    db.session.commit()
    return _xlsx(content, call.title)


def _uploads(slots: list[dict[str, str]]) -> dict[str, tuple[str, object]]:
    found = {}
    for slot in slots:
        item = request.files.get(f"file_{slot['key']}")
        if item is not None and item.filename:
            found[slot["key"]] = (item.filename, item.stream)
    return found


@bp.route("/<int:call_id>/apply", methods=["GET", "POST"])
@login_required
def apply(call_id: int):  # type: ignore[no-untyped-def]
    if current_user.org.kind != OrgKind.UNIT:
        abort(404)
    try:
        call = services.get_call(current_user, call_id)
    except CallNotFoundError:
        abort(404)
    errors: dict[str, str] = {}
    refusal = ""
    if request.method == "POST":
        mode = request.form.get("mode", "existing")
        raw = request.form.get("project_id", "")
        project_id = int(raw) if mode == "existing" and raw.isdigit() and len(raw) < 10 else None
        if mode == "existing" and project_id is None:
            refusal = _("Choose one of your own projects, or register a new one.")
        else:
            try:
                application = applications.apply(
                    current_user,
                    call.id,
                    project_id,
                    _uploads(call.slots),  # type: ignore[arg-type]
                    new_project=request.form if mode == "new" else None,
                )
            except CallNotFoundError:
                db.session.rollback()
                abort(404)
            except ProjectFormError as exc:
                db.session.rollback()
                errors = exc.errors
            except CallError as exc:
                db.session.rollback()
                refusal = str(exc)
            except (UploadError, EvidenceOwnerError) as exc:
                db.session.rollback()
                refusal = message_for(exc)[1]
            else:
                db.session.commit()
                flash(
                    _("Applied: %(code)s %(name)s.", code=application.project.code, name=application.project.name),
                    "success",
                )
                return redirect(url_for("calls.detail", call_id=call.id))
    return render_template(
        "calls/apply.html",
        call=call,
        errors=errors,
        refusal=refusal,
        closed_reason=services.accepts_today(call),
        values=request.form,
        projects=applications.applicable_projects(current_user, call),
        applied=applications.own_applications(current_user, call),
        vocab=dictionaries.vocabularies(active_only=True),
        regions=regions(),
        departments=registry.competent_departments(),
    ), (422 if errors or refusal else 200)


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw(application_id: int):  # type: ignore[no-untyped-def]
    try:
        application = applications.withdraw(current_user, application_id)
    except CallNotFoundError:
        db.session.rollback()
        abort(404)
    except CallError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        call_id = applications.get_application(current_user, application_id).call_id
        return redirect(url_for("calls.detail", call_id=call_id))
    db.session.commit()
    flash(_("The application is withdrawn."), "success")
    return redirect(url_for("calls.detail", call_id=application.call_id))
