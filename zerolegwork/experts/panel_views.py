"""The panel pages: the department draws, checks, replaces and concludes; an expert declares and scores."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import page_arg
from ..projects.errors import ProjectNotFoundError
from ..projects.services import get_visible_project, visible_projects
from . import access, panels, scoring, sheets
from .errors import FormError, PanelConcludedError, PanelError
from .models import Aggregation

bp = Blueprint("panels", __name__, url_prefix="/panels", template_folder="templates")


def _refused(exc: PanelError) -> int:
    """Roll back and say why; the status: 409 for a concluded panel, 422 otherwise."""
    db.session.rollback()
    flash(str(exc), "danger")
    return 409 if isinstance(exc, PanelConcludedError) else 422


def _back_to(panel_id: int) -> Any:
    return redirect(url_for("panels.detail", panel_id=panel_id)), 303


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    if current_user.org.kind == "expert":
        return redirect(url_for("panels.mine"))
    if not panels.may_draw(current_user):
        abort(404)
    text, state, page = request.args.get("q", "")[:50], request.args.get("state", ""), page_arg()
    rows, total = access.owned_panels(current_user, text, state, page)
    return render_template(
        "experts/panels.html", rows=rows, total=total, page=page, per_page=access.PER_PAGE, q=text, state=state
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    if not panels.may_draw(current_user):
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            project_id = int(form["project_id"]) if form.get("project_id", "").isdigit() else None
            if project_id is None:
                raise FormError({"project_id": _("Choose one of the listed options.")})
            try:
                project = get_visible_project(current_user, project_id)
            except ProjectNotFoundError:
                raise FormError({"project_id": _("Choose one of the listed options.")}) from None
            panel = panels.draw_panel(
                current_user,
                title=form.get("title", ""),
                unit_id=project.unit_id,
                department_id=project.competent_department_id,
                project_id=project.id,
                mix=panels.parse_mix(form.get("mix", "")),
                sheet_code=form.get("sheet_code", ""),
                aggregation=form.get("aggregation", Aggregation.MEAN),
            )
        except FormError as exc:
            db.session.rollback()
            errors = exc.errors
        except PanelError as exc:
            db.session.rollback()
            errors = {"mix": str(exc)}
        else:
            db.session.commit()
            flash(_("The panel is drawn."), "success")
            return redirect(url_for("panels.detail", panel_id=panel.id)), 303
    return (
        render_template(
            "experts/panel_new.html",
            projects=visible_projects(current_user, 1, 500)[0],
            sheets=sheets.active_sheets(),
            errors=errors,
            values=request.form,
        ),
        422 if errors else 200,
    )


@bp.route("/<int:panel_id>")
@login_required
def detail(panel_id: int):  # type: ignore[no-untyped-def]
    try:
        panel = access.readable_panel(current_user, panel_id)
    except LookupError:
        abort(404)
    if not access.owns(current_user, panel):
        return render_template(
            "experts/panel_member.html",
            panel=panel,
            seat=access.seat_of(current_user, panel),
            project=access.subject_of(panel) if access.sees_material(current_user, panel) else None,
            own=scoring.own_sheet(current_user, panel),
        )
    record = panels.record_of(panel)
    return render_template(
        "experts/panel_detail.html",
        panel=panel,
        record=record,
        matches=panels.rerun_matches(panel),
        project=access.subject_of(panel),
        result=scoring.aggregate(panel),
        accounts=access.account_names(panel),
    )


@bp.route("/<int:panel_id>/members/<int:member_id>/decline", methods=["POST"])
@login_required
def decline(panel_id: int, member_id: int):  # type: ignore[no-untyped-def]
    try:
        panel = access.owned_panel(current_user, panel_id)
        member = next(m for m in panel.members if m.id == member_id)
    except (LookupError, StopIteration):
        abort(404)
    try:
        replacement = panels.decline(current_user, member, request.form.get("reason", ""))
    except PanelError as exc:
        _refused(exc)
        return _back_to(panel_id)
    db.session.commit()
    if replacement is None:
        flash(_("The expert declined; no candidate of this specialty is left to replace them."), "warning")
    else:
        flash(_("The expert declined and was replaced by %(name)s.", name=replacement.expert.name), "success")
    return _back_to(panel_id)


@bp.route("/<int:panel_id>/conclude", methods=["POST"])
@login_required
def conclude(panel_id: int):  # type: ignore[no-untyped-def]
    try:
        panel = access.owned_panel(current_user, panel_id)
    except LookupError:
        abort(404)
    try:
        panels.conclude(current_user, panel, request.form.get("conclusion", ""))
    except PanelError as exc:
        _refused(exc)
        return _back_to(panel_id)
    db.session.commit()
    flash(_("The panel is concluded."), "success")
    return _back_to(panel_id)


@bp.route("/mine")
@login_required
def mine():  # type: ignore[no-untyped-def]
    page = page_arg()
    rows, total = access.my_panels(current_user, page)
    seats = {p.id: access.seat_of(current_user, p) for p in rows}
    return render_template(
        "experts/mine.html", rows=rows, seats=seats, total=total, page=page, per_page=access.PER_PAGE
    )


@bp.route("/<int:panel_id>/declaration", methods=["GET", "POST"])
@login_required
def declare(panel_id: int):  # type: ignore[no-untyped-def]
    try:
        panel, seat = access.active_seat(current_user, panel_id)
    except LookupError:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            panels.declare(current_user, seat, request.form)
        except FormError as exc:
            db.session.rollback()
            errors = exc.errors
        except PanelError as exc:
            _refused(exc)
            return _back_to(panel_id)
        else:
            db.session.commit()
            flash(_("Your declaration is recorded."), "success")
            return _back_to(panel_id)
    return (
        render_template(
            "experts/declaration.html", panel=panel, seat=seat, text=panels.DECLARATION_TEXT, errors=errors
        ),
        422 if errors else 200,
    )


@bp.route("/<int:panel_id>/score", methods=["GET", "POST"])
@login_required
def score(panel_id: int):  # type: ignore[no-untyped-def]
    try:
        panel, _seat = access.active_seat(current_user, panel_id)
    except LookupError:
        abort(404)
    if not access.sees_material(current_user, panel):
        flash(_("Sign the declaration of no conflict first."), "warning")
        return redirect(url_for("panels.declare", panel_id=panel_id)), 303
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            scoring.submit(current_user, panel, request.form)
        except FormError as exc:
            db.session.rollback()
            errors, status = exc.errors, 422
        except PanelError as exc:
            status = _refused(exc)
        else:
            db.session.commit()
            flash(_("Your scores are submitted."), "success")
            return redirect(url_for("panels.result", panel_id=panel_id)), 303
    own = scoring.own_sheet(current_user, panel)
    saved = {f"score_{i.criterion}": str(i.score) for i in own.items} if own else {}
    saved.update({f"comment_{i.criterion}": i.comment or "" for i in own.items} if own else {})
    values = request.form if request.method == "POST" else {**saved, "opinion": own.opinion or "" if own else ""}
    return render_template("experts/score.html", panel=panel, errors=errors, values=values, own=own), status


@bp.route("/<int:panel_id>/result")
@login_required
def result(panel_id: int):  # type: ignore[no-untyped-def]
    try:
        panel = access.readable_panel(current_user, panel_id)
    except LookupError:
        abort(404)
    if not access.owns(current_user, panel):
        try:
            access.active_seat(current_user, panel_id)
        except LookupError:
            abort(404)
    return render_template(
        "experts/result.html",
        panel=panel,
        result=scoring.aggregate(panel),
        visible=scoring.may_see_all_scores(current_user, panel),
        own=scoring.own_sheet(current_user, panel),
        is_chair=(seat := access.seat_of(current_user, panel)) is not None and panel.chair is seat,
        owner=access.owns(current_user, panel),
    )
