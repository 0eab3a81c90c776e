"""Project pages: the list, one project, submitting it for joint sign-off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..engine import runtime
from ..extensions import db
from ..registration.services import regions
from ..web import page_arg
from . import services

bp = Blueprint("projects", __name__, url_prefix="/projects", template_folder="templates")


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    page = page_arg()
    rows, total = services.visible_projects(current_user, page=page)
    return render_template("projects/index.html", rows=rows, total=total, page=page, per_page=20)


@bp.route("/<int:project_id>")
@login_required
def detail(project_id: int):  # type: ignore[no-untyped-def]
    project = services.get_visible_project(current_user, project_id)
    data = runtime.instance_data(project.instance_id) if project.instance_id else {}
    share = services.may_share(current_user)
    return render_template(
        "projects/detail.html",
        project=project,
        data=data,
        may_share=share,
        shares=services.shares_of(project.id) if share else [],
        districts=[r for r in regions() if r.level == "district"] if share else [],
    )


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


@bp.route("/<int:project_id>/withdraw", methods=["POST"])
@login_required
def withdraw(project_id: int):  # type: ignore[no-untyped-def]
    services.withdraw(current_user, project_id, request.form.get("reason", ""))
    db.session.commit()
    flash(_("Withdrawn: the project is a draft again and can be submitted anew."), "success")
    return redirect(url_for("projects.detail", project_id=project_id))
