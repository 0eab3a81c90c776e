"""Department administration (units, levels, posts, people, chains) and personal substitutes (代理)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..orgs import structure
from ..orgs.models import ApprovalMode, OrgKind
from . import services

bp = Blueprint("depts", __name__, url_prefix="/dept", template_folder="templates")


def _admin_org():  # type: ignore[no-untyped-def]
    if not current_user.is_admin or current_user.org.kind != OrgKind.DEPARTMENT:
        abort(404)
    return current_user.org


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    org = _admin_org()
    return render_template("depts/index.html", org=org, view=structure.overview(org), modes=list(ApprovalMode))


@bp.route("/<what>", methods=["POST"])
@login_required
def change(what: str):  # type: ignore[no-untyped-def]
    org = _admin_org()
    form = request.form
    try:
        if what == "unit":
            structure.admin_add_unit(org, form.get("name", ""), current_user.id)
        elif what == "level":
            structure.admin_add_level(org, form.get("name", ""), current_user.id)
        elif what == "post":
            structure.admin_add_post(org, form.get("name", ""), _int("level_id") or 0, _int("unit_id"), current_user.id)
        elif what in ("assign", "unassign"):
            structure.admin_assign(org, _int("post_id") or 0, _int("user_id") or 0, current_user.id, what == "unassign")
        elif what == "person":
            structure.admin_add_person(org, request.form.to_dict(), current_user)
        elif what == "disable":
            structure.admin_disable_person(org, _int("user_id") or 0, current_user)
        elif what == "chain":
            ids = [int(v) for v in form.getlist("post_id") if v.isdigit()]
            structure.admin_set_chain(org, form.get("mode", ""), ids, current_user.id)
        else:
            abort(404)
    except structure.StructureError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("depts.index")), 303
    db.session.commit()
    flash(_("Saved. New work follows the change; work already under way keeps its route."), "success")
    return redirect(url_for("depts.index")), 303


@bp.route("/substitutes", methods=["GET", "POST"])
@login_required
def substitutes():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        try:
            if request.form.get("revoke", "").isdigit():
                services.revoke_substitution(current_user, int(request.form["revoke"]))
            else:
                services.name_substitute(
                    current_user,
                    _int("substitute_id"),
                    _date("starts_on"),
                    _date("ends_on"),
                    request.form.get("reason", ""),
                )
        except services.SubstitutionError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("depts.substitutes")), 303
    rows, colleagues = services.my_substitutions(current_user)
    status = 422 if error else 200
    return render_template("depts/substitutes.html", rows=rows, colleagues=colleagues, error=error), status


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None
