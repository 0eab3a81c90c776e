"""流程管理 pages: the catalog, one version's diagram with where instances wait, a draft's diff and impact, deploy."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..http import page_arg, safe_target
from . import drafts, migrations, services
from .drafts import DraftError
from .migrations import BatchError

bp = Blueprint("processes", __name__, url_prefix="/processes", template_folder="templates")
PER_PAGE = 50


@bp.app_template_global("process_version")
def process_version(instance_id: int | None) -> str:
    """For any page: the process and version an instance runs (the project page, the task page)."""
    return services.version_label(instance_id)


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("processes/index.html", rows=services.catalog())


def _version_or_404(process_id: str, number: int):  # type: ignore[no-untyped-def]
    definition = services.version(process_id, number)
    if definition is None:
        abort(404)
    return definition


def _files(definition) -> list[str]:  # type: ignore[no-untyped-def]
    own = f"{definition.process_id}.bpmn"
    others = sorted(n for n in definition.bundle.get("bpmn", {}) if n != own)
    return [own, *others]


@bp.route("/<process_id>/v<int:number>")
@login_required
def version(process_id: str, number: int):  # type: ignore[no-untyped-def]
    definition = _version_or_404(process_id, number)
    files = _files(definition)
    file = request.args.get("file", files[0])
    if file not in files:
        file = files[0]
    page = page_arg()
    tasks, total = services.waiting_tasks(definition.id, page, PER_PAGE)
    return render_template(
        "processes/version.html",
        definition=definition,
        name=services.process_name(definition.sha256, process_id, definition.bundle),
        files=files,
        file=file,
        dmn_files=sorted(definition.bundle.get("dmn", {})),
        waiting=services.waiting(definition.id),
        names=services.element_names_of(definition),
        others=services.other_versions(definition),
        batches=migrations.recent_batches(process_id),
        tasks=tasks,
        total=total,
        page=page,
        per_page=PER_PAGE,
        hours_since=services.hours_since,
    )


@bp.route("/<process_id>/v<int:number>/diagram")
@login_required
def version_diagram(process_id: str, number: int):  # type: ignore[no-untyped-def]
    definition = _version_or_404(process_id, number)
    files = _files(definition)
    file = request.args.get("file", files[0])
    if file not in files:
        abort(404)
    heat = {
        w.element_id: {"count": w.count, "hours": round(services.hours_since(w.oldest), 1)}
        for w in services.waiting(definition.id)
    }
    return {"xml": definition.bundle["bpmn"][file], "heat": heat}


@bp.route("/<process_id>/v<int:number>/files/<name>")
@login_required
def download(process_id: str, number: int, name: str):  # type: ignore[no-untyped-def]
    definition = _version_or_404(process_id, number)
    text = services.file_text(definition, name)
    if text is None:
        abort(404)
    disposition = f'attachment; filename="v{number}-{name}"'
    return Response(text, mimetype="application/xml", headers={"Content-Disposition": disposition})


@bp.route("/<process_id>/draft", methods=["GET", "POST"])
@login_required
def draft(process_id: str):  # type: ignore[no-untyped-def]
    live = services.live_version(process_id)
    if live is None:
        abort(404)
    if request.method == "GET":
        return render_template("processes/draft.html", live=live, error=None)
    try:
        files = drafts.read_uploads(request.files.getlist("files"))
    except DraftError as exc:
        return render_template("processes/draft.html", live=live, error=str(exc)), 400
    check = drafts.check_draft(process_id, files, current_user)
    db.session.commit()  # the audit event of the check
    return _check_page(check, note="")


def _check_page(check: drafts.DraftCheck, note: str, status: int = 200):  # type: ignore[no-untyped-def]
    return (
        render_template(
            "processes/check.html",
            check=check,
            panes=drafts.panes(check),
            note=note,
        ),
        status,
    )


@bp.route("/<process_id>/deploy", methods=["POST"])
@login_required
def deploy(process_id: str):  # type: ignore[no-untyped-def]
    if services.live_version(process_id) is None:
        abort(404)
    names, texts = request.form.getlist("draft_name"), request.form.getlist("draft_text")
    note = request.form.get("note", "")
    try:
        if len(names) != len(texts):
            raise DraftError(_("The draft's files did not arrive whole. Upload them again."))
        files = drafts.read_texts(dict(zip(names, texts, strict=True)))
        check, report = drafts.deploy_draft(process_id, files, note, current_user)
    except DraftError as exc:
        flash(str(exc), "danger")
        try:
            check = drafts.check_draft(process_id, drafts.read_texts(dict(zip(names, texts, strict=False))))
        except DraftError:
            return redirect(url_for("processes.draft", process_id=process_id))
        return _check_page(check, note, 400)
    if not check.good:
        flash(_("Nothing was deployed: the draft has problems."), "danger")
        return _check_page(check, note, 400)
    db.session.commit()
    if report.deployed:
        done = "、".join(f"{pid} v{v}" for pid, v in sorted(report.deployed.items()))
        flash(_("Deployed: %(done)s. New work follows the new version.", done=done), "success")
    else:
        flash(_("Nothing to deploy: the draft equals the live version."), "info")
    target = services.live_version(process_id)
    assert target is not None
    return redirect(url_for("processes.version", process_id=process_id, number=target.version))


@bp.route("/<process_id>/v<int:number>/migrate", methods=["POST"])
@login_required
def migrate(process_id: str, number: int):  # type: ignore[no-untyped-def]
    target = _version_or_404(process_id, number)
    sources = [int(v) for v in request.form.getlist("source") if v.isdigit()]
    try:
        batch = migrations.request_batch(current_user, target, sources, dry_run=bool(request.form.get("dry_run")))
    except BatchError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("processes.version", process_id=process_id, number=number))
    db.session.commit()
    return redirect(url_for("processes.batch", batch_id=batch.id))


def _batch_or_404(batch_id: int):  # type: ignore[no-untyped-def]
    batch = migrations.get_batch(batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/migrations/<int:batch_id>")
@login_required
def batch(batch_id: int):  # type: ignore[no-untyped-def]
    found = _batch_or_404(batch_id)
    page = page_arg()
    refused = [o for o in found.outcomes if not o["moved"]]
    moved = [o for o in found.outcomes if o["moved"]]
    rows = (refused + moved)[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "processes/batch.html",
        batch=found,
        target=services.definition(found.target_id),
        rows=rows,
        projects=services.projects_by_id([o["project_id"] for o in rows if o["project_id"]]),
        page=page,
        per_page=PER_PAGE,
    )


@bp.route("/migrations/<int:batch_id>/status")
@login_required
def batch_status(batch_id: int):  # type: ignore[no-untyped-def]
    found = _batch_or_404(batch_id)
    return {
        "state": found.state,
        "done": found.done,
        "total": found.total,
        "moved": found.moved,
        "refused": found.refused,
    }


@bp.route("/incidents")
@login_required
def incidents():  # type: ignore[no-untyped-def]
    from ..engine.errors import EngineError
    from ..engine.repair_actions import incident_summary
    from .failed_jobs import failed_jobs

    page = page_arg()
    rows, total = services.incidents(page)
    data, skippable = {}, set()
    for instance, _version, _project in rows:
        try:
            data[instance.id], engine_step = incident_summary(instance.id)
        except EngineError:
            data[instance.id], engine_step = {}, False
        if engine_step:
            skippable.add(instance.id)
    return render_template(
        "processes/incidents.html",
        rows=rows,
        total=total,
        page=page,
        per_page=20,
        data=data,
        skippable=skippable,
        live={pid: services.live_version(pid) for pid in {i.process_id for i, _v, _p in rows}},
        held=services.suspended(),
        failed=failed_jobs(),
    )


@bp.route("/incidents/<int:instance_id>/retry", methods=["POST"])
@login_required
def retry(instance_id: int):  # type: ignore[no-untyped-def]
    from ..engine.errors import TaskNotFoundError, TaskNotReadyError
    from ..engine.repair import retry_incident

    try:
        reason = retry_incident(instance_id, current_user.id)
    except (TaskNotFoundError, TaskNotReadyError):
        db.session.rollback()
        flash(_("This matter is no longer an incident."), "info")
        return redirect(url_for("processes.incidents"))
    db.session.commit()
    if reason is None:
        flash(_("Retried: the matter runs again; its tasks are back in the inbox."), "success")
    else:
        flash(_("Retried, and it failed again: %(reason)s", reason=reason), "danger")
    return redirect(url_for("processes.incidents"))


@bp.route("/instances/<int:instance_id>/suspend", methods=["POST"])
@login_required
def suspend(instance_id: int):  # type: ignore[no-untyped-def]
    from ..engine.errors import TaskNotFoundError, TaskNotReadyError
    from ..engine.repair import suspend_instance

    reason = request.form.get("reason", "").strip()
    back = safe_target(request.form.get("next")) or url_for("processes.incidents")
    if not reason or len(reason) > 500:
        flash(_("Say why the matter is suspended (at most 500 characters)."), "danger")
        return redirect(back)
    try:
        held = suspend_instance(instance_id, current_user.id, reason)
    except (TaskNotFoundError, TaskNotReadyError):
        db.session.rollback()
        flash(_("Only a running matter can be suspended."), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("Suspended: %(n)d waiting task(s) left the inbox until it is resumed.", n=held), "success")
    return redirect(url_for("processes.incidents"))


@bp.route("/instances/<int:instance_id>/resume", methods=["POST"])
@login_required
def resume(instance_id: int):  # type: ignore[no-untyped-def]
    from ..engine.errors import TaskNotFoundError, TaskNotReadyError
    from ..engine.repair import resume_instance

    try:
        back = resume_instance(instance_id, current_user.id)
    except (TaskNotFoundError, TaskNotReadyError):
        db.session.rollback()
        flash(_("This matter is not suspended."), "info")
        return redirect(url_for("processes.incidents"))
    db.session.commit()
    flash(_("Resumed: %(n)d task(s) are back in the inbox.", n=back), "success")
    return redirect(url_for("processes.incidents"))
