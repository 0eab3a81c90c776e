"""The dictionaries page (数据字典): platform administrators add, rename, reorder, retire and reactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from . import services
from .defaults import FIXED, KINDS
from .errors import DictionaryError

bp = Blueprint("dictionaries", __name__, url_prefix="/dictionaries", template_folder="templates")


def _require_manager() -> None:
    if not services.may_manage(current_user):
        abort(404)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    _require_manager()
    kind = request.args.get("kind", "category")
    if kind not in KINDS:
        kind = "category"
    return render_template(
        "dictionaries/index.html",
        kinds=KINDS,
        kind=kind,
        fixed=kind in FIXED,
        entries=services.entries(kind),
        in_use=services.counts_in_use(kind),
    )


@bp.route("/change", methods=["POST"])
@login_required
def change():  # type: ignore[no-untyped-def]
    _require_manager()
    form = request.form
    kind = form.get("kind", "")
    action = form.get("action", "")
    code = form.get("code", "")[:40]
    try:
        if action == "add":
            services.add_entry(kind, form.get("name", ""), current_user, aliases=form.get("aliases", ""))
        elif action == "rename":
            services.rename_entry(kind, code, form.get("name", ""), current_user, aliases=form.get("aliases", ""))
        elif action in ("up", "down"):
            services.move_entry(kind, code, -1 if action == "up" else 1, current_user)
        elif action in ("retire", "reactivate"):
            services.set_active(kind, code, action == "reactivate", current_user)
        else:
            abort(404)
    except DictionaryError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("dictionaries.index", kind=kind if kind in KINDS else None))
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("dictionaries.index", kind=kind))
