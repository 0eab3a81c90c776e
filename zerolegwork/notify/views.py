"""The bell: an organisation's notifications, and marking them read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import page_arg
from . import services

bp = Blueprint("notify", __name__, url_prefix="/notifications", template_folder="templates")
PER_PAGE = 20


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    page = page_arg()
    muted = services.muted_events(current_user.id)
    rows, total = services.notifications_of(current_user.org.code, page, PER_PAGE, muted)
    return render_template(
        "notify/index.html",
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        prefs=services.preferences_of(current_user.id),
        events=services.EVENTS,
    )


@bp.route("/preferences", methods=["POST"])
@login_required
def preferences():  # type: ignore[no-untyped-def]
    choices = {
        str(e): (bool(request.form.get(f"in_app-{e}")), bool(request.form.get(f"email-{e}"))) for e in services.EVENTS
    }
    try:
        services.set_preferences(current_user, request.form.get("email", ""), choices)
    except services.PreferenceError as exc:
        db.session.rollback()
        flash(
            _("Enter a valid e-mail address.")
            if str(exc) == "address"
            else _("E-mail reminders need an e-mail address."),
            "danger",
        )
        return redirect(url_for("notify.index", _anchor="preferences"))
    db.session.commit()
    flash(_("Your notification settings were saved."), "success")
    return redirect(url_for("notify.index", _anchor="preferences"))


@bp.route("/read", methods=["POST"])
@login_required
def read_all():  # type: ignore[no-untyped-def]
    n = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("%(n)s notifications marked as read.", n=n), "success")
    return redirect(url_for("notify.index"))
