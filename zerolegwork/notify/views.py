"""The bell: an organisation's notifications, and marking them read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..web import page_arg
from . import services

bp = Blueprint("notify", __name__, url_prefix="/notifications", template_folder="templates")
PER_PAGE = 20


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    page = page_arg()
    rows, total = services.notifications_of(current_user.org.code, page, PER_PAGE)
    return render_template("notify/index.html", rows=rows, total=total, page=page, per_page=PER_PAGE)


@bp.route("/read", methods=["POST"])
@login_required
def read_all():  # type: ignore[no-untyped-def]
    n = services.mark_all_read(current_user.org.code)
    db.session.commit()
    flash(_("%(n)s notifications marked as read.", n=n), "success")
    return redirect(url_for("notify.index"))
