"""Pages of service orders: issue one on a project, the organisation's orders, and one order's page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit import services as audit
from ..engine.errors import EngineError
from ..engine.routing import today_local
from ..extensions import db
from ..http import page_arg
from ..projects.errors import ProjectNotFoundError
from ..projects.services import get_visible_project
from . import reports, services
from .errors import OrderFormError, OrderNotFoundError
from .figures import contracts_of
from .models import OrderKind, OrderState

bp = Blueprint("orders", __name__, template_folder="templates")
PER_PAGE = 20
AUDIT_ACTIONS = {
    "order.issue": _l("Service order issued"),
    "order.accept": _l("Service order accepted"),
    "order.decline": _l("Service order declined"),
    "order.deliver": _l("Service order delivered"),
    "order.return": _l("Service order delivery returned"),
    "order.complete": _l("Service order delivery accepted"),
}
bp.record_once(lambda _state: audit.ACTIONS.update(AUDIT_ACTIONS))
bp.add_app_template_global(lambda k: services.KIND_LABELS.get(k, k), "order_kind_label")
bp.add_app_template_global(lambda s: services.STATE_LABELS.get(s, s), "order_state_label")


def issuable_project(project_id: int):  # type: ignore[no-untyped-def]
    try:
        project = get_visible_project(current_user, project_id)
    except ProjectNotFoundError:
        abort(404)
    if not services.may_issue(current_user, project):
        abort(403)
    return project


def render_new(project, form, errors, status=200):  # type: ignore[no-untyped-def]
    choices = {kind.value: services.qualified_agencies(kind) for kind in OrderKind}
    return (
        render_template(
            "orders/new.html", project=project, form=form, errors=errors, kinds=list(OrderKind), agencies=choices
        ),
        status,
    )


@bp.route("/projects/<int:project_id>/orders/new")
@login_required
def new(project_id: int):  # type: ignore[no-untyped-def]
    project = issuable_project(project_id)
    return render_new(project, {"kind": request.args.get("kind", "")}, {})


@bp.route("/projects/<int:project_id>/orders", methods=["POST"])
@login_required
def issue(project_id: int):  # type: ignore[no-untyped-def]
    project = issuable_project(project_id)
    try:
        order = services.issue_order(current_user, project.id, request.form)
    except OrderFormError as exc:
        db.session.rollback()
        return render_new(project, request.form, exc.errors, 422)
    except OrderNotFoundError:
        abort(404)
    except EngineError as exc:
        db.session.rollback()
        return render_new(project, request.form, {"_form": str(exc)}, 422)
    db.session.commit()
    flash(_("The order was sent to %(agency)s.", agency=order.agency.name), "success")
    return redirect(url_for("orders.detail", order_id=order.id), 303)


@bp.route("/orders")
@login_required
def index():  # type: ignore[no-untyped-def]
    kind = request.args.get("kind", "")
    state = request.args.get("state", "")
    kind = kind if kind in set(OrderKind) else ""
    state = state if state in set(OrderState) else ""
    page = page_arg()
    rows, total = services.orders_page(current_user, kind, state, page, PER_PAGE)
    args = {k: v for k, v in {"kind": kind, "state": state}.items() if v}
    return render_template(
        "orders/index.html",
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        kind=kind,
        state=state,
        args=args,
        kinds=list(OrderKind),
        states=list(OrderState),
        today=today_local(),
    )


@bp.route("/orders/<int:order_id>")
@login_required
def detail(order_id: int):  # type: ignore[no-untyped-def]
    try:
        order = services.get_order(current_user, order_id)
    except OrderNotFoundError:
        abort(404)
    deliveries = services.deliveries_of(order)
    return render_template(
        "orders/detail.html",
        order=order,
        steps=services.history(order),
        deliveries=deliveries,
        contracts={c.id: c for c in contracts_of(order.project_id)} if order.kind == OrderKind.COST_AUDIT else {},
        versions=reports.report_versions(order),
        may_upload=reports.may_upload(current_user, order),
        slot=reports.slot_for(order.id),
    )
