"""The expert pool pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import page_arg
from ..registration.services import regions
from . import accounts, services
from .errors import FormError

bp = Blueprint("experts", __name__, url_prefix="/experts", template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():  # type: ignore[no-untyped-def]
    if not services.may_view(current_user):
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not services.may_manage(current_user):
            abort(404)
        try:
            if request.form.get("expert_id", "").isdigit():
                services.update_expert(current_user, int(request.form["expert_id"]), request.form)
            else:
                services.add_expert(current_user, request.form)
        except LookupError:
            abort(404)
        except services.ExpertError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("experts.index")), 303
    text = request.args.get("q", "")[:50]
    region_id = request.args.get("region_id", "")
    available = request.args.get("available") == "1"
    page = page_arg()
    rows, total = services.search(current_user, text, int(region_id) if region_id.isdigit() else None, available, page)
    return (
        render_template(
            "experts/index.html",
            rows=rows,
            total=total,
            page=page,
            per_page=services.PER_PAGE,
            q=text,
            region_id=region_id,
            available=available,
            regions=regions(),
            errors=errors,
            values=request.form,
            can_manage=services.may_manage(current_user),
        ),
        422 if errors else 200,
    )


@bp.route("/<int:expert_id>/account", methods=["POST"])
@login_required
def account(expert_id: int):  # type: ignore[no-untyped-def]
    try:
        user = accounts.create_account(current_user, expert_id, request.form)
    except LookupError:
        abort(404)
    except FormError as exc:
        db.session.rollback()
        flash(_("The account was not created: %(why)s", why=str(exc)), "danger")
        return redirect(url_for("experts.index")), 303
    db.session.commit()
    flash(_("Account %(username)s created for %(name)s.", username=user.username, name=user.display_name), "success")
    return redirect(url_for("experts.index")), 303
