"""Project pages: the library list, registering a project, one project, its functions and log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..dictionaries import services as dictionaries
from ..engine import view
from ..engine.routing import today_local
from ..extensions import db
from ..http import page_arg
from ..registration.services import regions
from . import engagements, library, life, log, registry, services
from . import functions as catalog
from .classification import STAGES
from .errors import ProjectFormError
from .levels import level_label, set_up_levels
from .status import STATE_FILTERS, project_status

bp = Blueprint("projects", __name__, url_prefix="/projects", template_folder="templates")
# every page may show a project's status badge (projects/_state.html) and filter by state
bp.add_app_template_global(project_status)
bp.add_app_template_global(STATE_FILTERS, "project_state_filters")
bp.add_app_template_global(level_label)
bp.add_app_template_global(set_up_levels, "project_levels")
PER_PAGE = 20


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    page = page_arg()
    query = library.ProjectQuery.from_args(request.args)
    rows, total = library.list_projects(current_user, query, page=page, per_page=PER_PAGE)
    return render_template(
        "projects/index.html",
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        query=query,
        args=query.as_args(),
        vocab=dictionaries.vocabularies(active_only=False),
        stages=STAGES,
        regions=regions(),
        saved=library.saved_filters(current_user),
        sorts=library.SORTS,
        filter_args=library.filter_args,
        may_register=current_user.org.kind == "unit",
    )


@bp.route("/filters", methods=["POST"])
@login_required
def save_filter():  # type: ignore[no-untyped-def]
    query = library.ProjectQuery.from_args(request.form)
    try:
        library.save_filter(current_user, request.form.get("filter_name", ""), query, bool(request.form.get("shared")))
    except library.SavedFilterError as exc:
        flash(
            _("Give the filter a name.") if str(exc) == "name" else _("You have too many saved filters; delete some."),
            "danger",
        )
        return redirect(url_for("projects.index", **query.as_args()))
    db.session.commit()
    flash(_("Filter saved."), "success")
    return redirect(url_for("projects.index", **query.as_args()))


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
@login_required
def delete_filter(filter_id: int):  # type: ignore[no-untyped-def]
    library.delete_filter(current_user, filter_id)
    db.session.commit()
    flash(_("Filter deleted."), "success")
    return redirect(url_for("projects.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            project = registry.register_project(current_user, request.form)
        except ProjectFormError as exc:
            errors = exc.errors
            db.session.rollback()
        else:
            db.session.commit()
            flash(
                _("Registered with project code %(code)s. Now choose the functions that apply.", code=project.code),
                "success",
            )
            return redirect(url_for("projects.functions", project_id=project.id))
    return render_template(
        "projects/new.html",
        errors=errors,
        values=request.form,
        vocab=dictionaries.vocabularies(active_only=True),
        regions=regions(),
        departments=registry.competent_departments(),
    ), (422 if errors else 200)


@bp.route("/<int:project_id>")
@login_required
def detail(project_id: int):  # type: ignore[no-untyped-def]
    page = life.project_page(current_user, project_id)
    return render_template("projects/detail.html", **page, today=today_local().isoformat())


@bp.route("/<int:project_id>/functions", methods=["GET", "POST"])
@login_required
def functions(project_id: int):  # type: ignore[no-untyped-def]
    project = services.get_visible_project(current_user, project_id)
    if not library.may_choose_functions(current_user, project):
        return redirect(url_for("projects.detail", project_id=project.id))
    if request.method == "POST":
        chosen = {p.key: request.form.getlist(p.key) for p in catalog.PROCESSES if p.functions}
        try:
            library.choose_functions(current_user, project, chosen)
        except library.FunctionChoiceError:
            flash(_("One of the ticked functions is not in the catalog; nothing was changed."), "danger")
            return redirect(url_for("projects.functions", project_id=project.id))
        life.functions_changed(project)
        db.session.commit()
        flash(_("The project's functions were saved."), "success")
        return redirect(url_for("projects.detail", project_id=project.id))
    return render_template(
        "projects/functions.html",
        project=project,
        processes=catalog.PROCESSES,
        chosen=library.chosen_functions(project.id),
    )


@bp.route("/<int:project_id>/log", methods=["POST"])
@login_required
def add_log(project_id: int):  # type: ignore[no-untyped-def]
    from ..files.errors import UploadError
    from ..files.errors import message_for as upload_message

    photos = [(f.filename or "", f.stream) for f in request.files.getlist("photos") if f and f.filename]
    try:
        log.add_entry_with_photos(
            current_user, project_id, request.form.get("entry_date", ""), request.form.get("text", ""), photos
        )
    except ProjectFormError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "danger")
        return redirect(url_for("projects.detail", project_id=project_id, _anchor="log"))
    except UploadError as exc:
        db.session.rollback()
        flash(upload_message(exc)[1], "danger")
        return redirect(url_for("projects.detail", project_id=project_id, _anchor="log"))
    db.session.commit()
    flash(_("Log entry added."), "success")
    return redirect(url_for("projects.detail", project_id=project_id, _anchor="log"))


@bp.route("/<int:project_id>/engagements", methods=["POST"])
@login_required
def engage(project_id: int):  # type: ignore[no-untyped-def]
    agency = request.form.get("agency_id", "")
    try:
        engagements.engage(
            current_user,
            project_id,
            int(agency) if agency.isdigit() and len(agency) < 10 else 0,
            request.form.get("service_type", ""),
        )
    except ProjectFormError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "danger")
        return redirect(url_for("projects.detail", project_id=project_id, _anchor="agencies"))
    db.session.commit()
    flash(_("The agency is engaged: its people can now see the project, add evidence and write the log."), "success")
    return redirect(url_for("projects.detail", project_id=project_id, _anchor="agencies"))


@bp.route("/engagements/<int:engagement_id>/end", methods=["POST"])
@login_required
def end_engagement(engagement_id: int):  # type: ignore[no-untyped-def]
    row = engagements.end(current_user, engagement_id)
    db.session.commit()
    flash(_("The engagement has ended; the agency no longer sees the project."), "success")
    return redirect(url_for("projects.detail", project_id=row.project_id, _anchor="agencies"))


@bp.route("/<int:project_id>/share", methods=["POST"])
@login_required
def share(project_id: int):  # type: ignore[no-untyped-def]
    region_id = request.form.get("region_id", "")
    services.share_with_district(current_user, project_id, int(region_id) if region_id.isdigit() else 0)
    db.session.commit()
    flash(_("Shared: that district's departments can now see this project."), "success")
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.route("/<int:project_id>/submit", methods=["POST"])
@login_required
def submit(project_id: int):  # type: ignore[no-untyped-def]
    services.submit_for_signoff(current_user, project_id)
    db.session.commit()
    flash(_("Submitted for joint sign-off by the departments."), "success")
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.route("/<int:project_id>/start", methods=["POST"])
@login_required
def start(project_id: int):  # type: ignore[no-untyped-def]
    life.start_lifecycle(current_user, project_id)
    db.session.commit()
    flash(_("Started: fill in the project information first; your inbox has the task."), "success")
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.route("/<int:project_id>/diagram.xml")
@login_required
def diagram(project_id: int):  # type: ignore[no-untyped-def]
    project = services.get_visible_project(current_user, project_id)
    if project.lifecycle_id is None:
        return {"error": _("The project's processes have not started yet.")}, 404
    return {"xml": view.diagram_xml(project.lifecycle_id), "positions": view.positions(project.lifecycle_id)}


@bp.route("/<int:project_id>/withdraw", methods=["POST"])
@login_required
def withdraw(project_id: int):  # type: ignore[no-untyped-def]
    services.withdraw(current_user, project_id, request.form.get("reason", ""))
    db.session.commit()
    flash(_("Withdrawn: the project is a draft again and can be submitted anew."), "success")
    return redirect(url_for("projects.detail", project_id=project_id))
