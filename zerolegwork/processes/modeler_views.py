"""The web modeler's routes on the 流程管理 blueprint: open, save, validate, check, deploy, download, discard."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from . import drafts, modeler, services
from .dmn_labels import dmn_labels
from .drafts import DraftError
from .models import DraftState, ProcessDraft
from .views import bp


def _draft_or_404(draft_id: int) -> ProcessDraft:
    draft = modeler.get_draft(draft_id)
    if draft is None:
        abort(404)
    return draft


def _page(process_id: str, base, draft: ProcessDraft | None):  # type: ignore[no-untyped-def]
    files = modeler.draft_files(draft) if draft else modeler.version_files(base)
    own = f"{process_id}.bpmn"
    order = sorted(files, key=lambda n: (n != own, not n.endswith(".bpmn"), not n.endswith(".dmn"), n))
    return render_template(
        "processes/modeler.html",
        process_id=process_id,
        base=base,
        draft=draft,
        files={name: files[name] for name in order},
        changed=sorted(draft.files) if draft else [],
        others=modeler.open_drafts(process_id),
        limit=modeler.MAX_BODY_BYTES,
        dmn_labels=dmn_labels(),
    )


@bp.route("/<process_id>/v<int:number>/modeler")
@login_required
def modeler_open(process_id: str, number: int):  # type: ignore[no-untyped-def]
    base = services.version(process_id, number)
    if base is None:
        abort(404)
    return _page(process_id, base, None)


@bp.route("/drafts/<int:draft_id>")
@login_required
def modeler_draft(draft_id: int):  # type: ignore[no-untyped-def]
    draft = _draft_or_404(draft_id)
    base = services.definition(draft.base_id) if draft.base_id else None
    if base is None:
        abort(404)
    return _page(draft.process_id, base, draft)


@bp.route("/<process_id>/v<int:number>/drafts", methods=["POST"])
@login_required
def modeler_save(process_id: str, number: int):  # type: ignore[no-untyped-def]
    base = services.version(process_id, number)
    if base is None:
        abort(404)
    if (request.content_length or 0) > modeler.MAX_BODY_BYTES:
        return {"error": _("The draft is larger than 4 MB.")}, 413
    try:
        body = modeler.parse_body(request.get_data(cache=False))
        draft_id = body.get("draft_id")
        draft = _draft_or_404(draft_id) if type(draft_id) is int else None
        draft = modeler.save_draft(current_user, base, body["files"], draft)
    except DraftError as exc:
        db.session.rollback()
        return {"error": str(exc)}, 400
    db.session.commit()
    own = f"{process_id}.bpmn"
    return {
        "id": draft.id,
        "files": sorted(draft.files),
        "url": url_for("processes.modeler_draft", draft_id=draft.id),
        "validate_url": url_for("processes.modeler_validate", draft_id=draft.id),
        "discard_url": url_for("processes.modeler_discard", draft_id=draft.id),
        "download_url": url_for("processes.modeler_download", draft_id=draft.id, name=own),
    }


@bp.route("/drafts/<int:draft_id>/validate", methods=["POST"])
@login_required
def modeler_validate(draft_id: int):  # type: ignore[no-untyped-def]
    draft = _draft_or_404(draft_id)
    check = modeler.validate(draft, current_user)
    db.session.commit()  # the audit event of the check
    return {
        "good": check.good,
        "problems": modeler.problems_json(check),
        "check_url": url_for("processes.modeler_check", draft_id=draft.id) if check.good else None,
    }


@bp.route("/drafts/<int:draft_id>/check")
@login_required
def modeler_check(draft_id: int):  # type: ignore[no-untyped-def]
    draft = _draft_or_404(draft_id)
    check = modeler.validate(draft, current_user)
    db.session.commit()
    return render_template(
        "processes/check.html",
        check=check,
        panes=drafts.panes(check),
        note="",
        deploy_action=url_for("processes.modeler_deploy", draft_id=draft.id) if draft.state == DraftState.DRAFT else "",
    )


@bp.route("/drafts/<int:draft_id>/deploy", methods=["POST"])
@login_required
def modeler_deploy(draft_id: int):  # type: ignore[no-untyped-def]
    draft = _draft_or_404(draft_id)
    try:
        check, report = modeler.deploy(draft, request.form.get("note", ""), current_user)
    except DraftError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("processes.modeler_check", draft_id=draft_id))
    if not check.good:
        db.session.rollback()
        flash(_("Nothing was deployed: the draft has problems."), "danger")
        return redirect(url_for("processes.modeler_draft", draft_id=draft_id))
    db.session.commit()
    if report.deployed:
        done = "、".join(f"{pid} v{v}" for pid, v in sorted(report.deployed.items()))
        flash(_("Deployed: %(done)s. New work follows the new version.", done=done), "success")
    else:
        flash(_("Nothing to deploy: the draft equals the live version."), "info")
    target = services.live_version(draft.process_id)
    assert target is not None
    return redirect(url_for("processes.version", process_id=draft.process_id, number=target.version))


@bp.route("/drafts/<int:draft_id>/files/<name>")
@login_required
def modeler_download(draft_id: int, name: str):  # type: ignore[no-untyped-def]
    text = modeler.draft_files(_draft_or_404(draft_id)).get(name)
    if text is None:
        abort(404)
    mimetype = "application/json" if name.endswith(".json") else "application/xml"
    disposition = f'attachment; filename="draft{draft_id}-{name}"'
    return Response(text, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
@login_required
def modeler_discard(draft_id: int):  # type: ignore[no-untyped-def]
    draft = _draft_or_404(draft_id)
    try:
        modeler.discard(draft, current_user)
    except DraftError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("processes.modeler_draft", draft_id=draft_id))
    db.session.commit()
    flash(_("The draft was discarded."), "info")
    live = services.live_version(draft.process_id)
    if live is None:
        return redirect(url_for("processes.index"))
    return redirect(url_for("processes.version", process_id=draft.process_id, number=live.version))
