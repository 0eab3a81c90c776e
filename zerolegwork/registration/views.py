"""Self-registration of project units and agencies; review by the region's administrator."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import page_arg
from ..orgs.models import OrgKind, OrgState
from ..orgs.security import rate_limit
from . import services

bp = Blueprint("registration", __name__, template_folder="templates")
REGISTRATIONS_PER_HOUR = 5


@bp.route("/register")
def choose():  # type: ignore[no-untyped-def]
    return render_template("registration/choose.html")


@bp.route("/register/<kind>", methods=["GET", "POST"])
def register(kind: str):  # type: ignore[no-untyped-def]
    if kind not in (OrgKind.UNIT, OrgKind.AGENCY):
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        rate_limit(f"register:{request.remote_addr}", REGISTRATIONS_PER_HOUR, 3600)  # 429 via errors.py
        try:
            services.register(kind, request.form, request.form.getlist("service_types"))
        except services.RegistrationError as exc:
            db.session.commit()  # keep the rate-limit counter; nothing else was written
            errors = exc.errors
        else:
            db.session.commit()
            return render_template("registration/done.html", kind=kind)
    return (
        render_template(
            "registration/form.html",
            kind=kind,
            errors=errors,
            values=request.form,
            regions=services.regions(),
            service_types=services.service_type_labels(),
        ),
        422 if errors else 200,
    )


@bp.route("/registrations/")
@login_required
def index():  # type: ignore[no-untyped-def]
    if not current_user.is_region_admin:
        abort(404)
    state = request.args.get("state", OrgState.PENDING)
    if state not in set(OrgState):
        state = OrgState.PENDING
    page = page_arg()
    rows, total = services.reviewable(current_user, state, page)
    return render_template(
        "registration/index.html",
        rows=rows,
        total=total,
        page=page,
        per_page=20,
        state=state,
        service_types=services.service_type_labels(),
    )


@bp.route("/registrations/<int:org_id>", methods=["POST"])
@login_required
def review(org_id: int):  # type: ignore[no-untyped-def]
    approve = request.form.get("decision") == "approve"
    try:
        services.review(current_user, org_id, approve, request.form.get("note", ""))
    except LookupError:
        abort(404)
    except services.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("registration.index")), 303
    db.session.commit()
    flash(_("Approved: the applicant can sign in now.") if approve else _("Rejected; the reason is kept."), "success")
    return redirect(url_for("registration.index")), 303
