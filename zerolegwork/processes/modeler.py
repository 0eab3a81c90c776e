"""The web modeler's stored drafts: open a version's files, save the changed ones, check, deploy, discard.

A stored draft keeps only the files that differ from the version it was opened from; it is checked,
diffed and deployed by drafts.py exactly like an uploaded one (the same checks as `flask zlw check-bpmn`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..engine.catalog import declares_doctype
from ..engine.deploy import DeployReport, live_definition
from ..engine.models import ProcessDefinition
from ..engine.reasons import in_words
from ..extensions import db
from ..orgs.models import User
from . import drafts
from .drafts import DraftCheck, DraftError
from .models import DraftState, ProcessDraft

MAX_BODY_BYTES = 4 * 1024 * 1024  # one save of the modeler: every file of a process, as JSON


def version_files(definition: ProcessDefinition) -> dict[str, str]:
    """The files of a version an analyst may edit: its diagrams, decision tables and forms (as JSON text)."""
    bundle = definition.bundle
    files = {**bundle.get("bpmn", {}), **bundle.get("dmn", {})}
    for key, form in sorted(bundle.get("forms", {}).items()):
        files[f"{key}.json"] = json.dumps(form, ensure_ascii=False, indent=2) + "\n"
    return files


def draft_files(draft: ProcessDraft) -> dict[str, str]:
    """The files as the draft has them: the base version's, with the draft's changed ones laid over."""
    base = db.session.get(ProcessDefinition, draft.base_id) if draft.base_id else None
    return {**(version_files(base) if base else {}), **draft.files}


def get_draft(draft_id: int) -> ProcessDraft | None:
    return db.session.get(ProcessDraft, draft_id)


def open_drafts(process_id: str) -> list[ProcessDraft]:
    """The process's drafts not yet deployed or discarded, newest first."""
    return list(
        db.session.scalars(
            select(ProcessDraft)
            .where(ProcessDraft.process_id == process_id, ProcessDraft.state == DraftState.DRAFT)
            .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())
        )
    )


def parse_body(raw: bytes) -> dict[str, Any]:
    """The modeler's save request: {"files": {name: text}}, refused in Chinese when too large or malformed."""
    if len(raw) > MAX_BODY_BYTES:
        raise DraftError(_("The draft is larger than 4 MB."))
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DraftError(_("The draft did not arrive as JSON. Reload the page and save again.")) from None
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise DraftError(_("The draft did not arrive as JSON. Reload the page and save again."))
    return body


def save_draft(
    actor: User, base: ProcessDefinition, files: Mapping[str, str], draft: ProcessDraft | None = None
) -> ProcessDraft:
    """Keep the files that differ from the base version as a draft (a new one, or the given one updated)."""
    if draft is not None and (draft.state != DraftState.DRAFT or draft.base_id != base.id):
        raise DraftError(_("This draft was deployed or discarded; open the live version to start a new one."))
    checked = drafts.read_texts(dict(files)) if files else {}
    for name, text in checked.items():
        if not name.endswith(".json") and declares_doctype(text):
            raise DraftError(
                _("%(name)s declares a document type (<!DOCTYPE>, <!ENTITY>); these are not allowed.", name=name)
            )
    original = version_files(base)
    changed = {name: text for name, text in checked.items() if original.get(name) != text}
    if not changed:
        raise DraftError(_("Nothing changed: the draft equals the version it was opened from."))
    if draft is None:
        draft = ProcessDraft(process_id=base.process_id, base_id=base.id, author_id=actor.id, files=changed)
        db.session.add(draft)
    else:
        draft.files = changed
        draft.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "process.draft_saved", "process_draft", draft.id, actor.id, process_id=draft.process_id, files=sorted(changed)
    )
    return draft


def validate(draft: ProcessDraft, actor: User) -> DraftCheck:
    """The stored draft checked like an uploaded one: problems, or its diff and impact."""
    return drafts.check_draft(draft.process_id, dict(draft.files), actor)


def problems_json(check: DraftCheck) -> list[dict[str, str]]:
    """Each problem as {file, element, reason}, for the modeler to mark the element on its diagram."""
    return [{"file": p.file, "element": p.element, "reason": in_words(p.reason)} for p in check.problems]


def deploy(draft: ProcessDraft, note: str, actor: User) -> tuple[DraftCheck, DeployReport]:
    """Deploy the draft with the change note (checked again); on success the draft is marked deployed."""
    if draft.state != DraftState.DRAFT:
        raise DraftError(_("This draft was deployed or discarded; open the live version to start a new one."))
    check, report = drafts.deploy_draft(draft.process_id, dict(draft.files), note, actor)
    if check.good and report.deployed:
        live = live_definition(draft.process_id)
        draft.state = DraftState.DEPLOYED
        draft.deployed_id = live.id if live else None
        draft.updated_at = utcnow()
        audit.record(
            "process.draft_deployed",
            "process_draft",
            draft.id,
            actor.id,
            process_id=draft.process_id,
            deployed=report.deployed,
        )
    return check, report


def discard(draft: ProcessDraft, actor: User) -> None:
    """Set a draft aside for good (it stays in the database, and in the audit trail)."""
    if draft.state != DraftState.DRAFT:
        raise DraftError(_("This draft was deployed or discarded; open the live version to start a new one."))
    draft.state = DraftState.DISCARDED
    draft.updated_at = utcnow()
    audit.record("process.draft_discarded", "process_draft", draft.id, actor.id, process_id=draft.process_id)
