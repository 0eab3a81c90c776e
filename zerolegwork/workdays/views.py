"""The holiday calendar page: platform administrators list, set and clear a year's exceptions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import utcnow
from ..extensions import db
from ..i18n import SHANGHAI
from . import services
from .errors import CalendarError
from .models import DayKind

bp = Blueprint("workdays", __name__, url_prefix="/calendar", template_folder="templates")


def _require_manager() -> None:
    if not services.may_manage(current_user):
        abort(404)


def _year(value: str | None) -> int:
    """A year from 2000 to 2100; anything else reads as the current year in Shanghai."""
    if value and value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return utcnow().astimezone(SHANGHAI).year


def _date(value: str | None) -> date:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise CalendarError(_("Enter a date as YYYY-MM-DD.")) from None
    if not 2000 <= day.year <= 2100:
        raise CalendarError(_("Enter a date as YYYY-MM-DD."))
    return day


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    _require_manager()
    year = _year(request.args.get("year"))
    days = services.days_of_year(year)
    months = [(date(year, m, 1), [d for d in days if d.day.month == m]) for m in range(1, 13)]
    return render_template(
        "workdays/index.html",
        year=year,
        months=months,
        total=len(days),
        schedule=services.published_schedule(year),
        kinds=DayKind,
    )


@bp.route("/change", methods=["POST"])
@login_required
def change():  # type: ignore[no-untyped-def]
    _require_manager()
    form = request.form
    action = form.get("action", "set")
    year = _year(form.get("year"))
    try:
        if action == "seed":
            added = services.seed_public_holidays(current_user, [year])
            message = _("%(n)d days taken from the State Council's notice.", n=added)
        else:
            day = _date(form.get("day"))
            year = day.year
            if action == "clear":
                services.clear_day(current_user, day)
            elif action == "set":
                services.set_day(current_user, day, form.get("kind", ""), form.get("name", ""))
            else:
                abort(404)
            message = _("Saved. Due dates set from now on follow the calendar; those already set do not move.")
    except CalendarError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("workdays.index", year=year)), 303
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("workdays.index", year=year)), 303
