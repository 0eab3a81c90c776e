"""A draft of changed diagram, decision and form files: read, laid over the live files, checked, diffed
against the live version, its impact on running matters, and its deployment.

A draft is not stored: the page that shows its diff carries its files, and deploying sends them back
to be checked again with the same checks as `flask zlw check-bpmn` (engine/catalog.py).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import services as audit
from ..engine.catalog import Catalog, Problem, declares_doctype, load_catalog
from ..engine.deploy import DeployReport, deploy_catalog, versions_of
from ..engine.diff import BundleDiff, diff_bundles, element_names
from ..engine.impact import Affected, affected_instances
from ..engine.models import InstanceState, ProcessDefinition
from ..extensions import db
from ..orgs.models import Organisation, User
from ..projects.models import Project
from .services import counts

MAX_FILES = 20
MAX_FILE_BYTES = 2 * 1024 * 1024
SUFFIXES = (".bpmn", ".dmn", ".json")


class DraftError(ValueError):
    """A draft that cannot be read at all (no files, too many, too large, not UTF-8, a bad name)."""


@dataclass
class ImpactRow:
    affected: Affected
    project: Project | None
    holders: list[str]
    version: int


@dataclass
class DraftCheck:
    """A draft laid over the live files: its problems, and if it is good its diff and impact."""

    process_id: str
    files: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # names the code reads that nothing defines
    live: ProcessDefinition | None = None
    diff: BundleDiff | None = None
    bundle: dict[str, Any] | None = None
    impact: list[ImpactRow] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # element id → name, the draft's and the live one's
    running: dict[int, int] = field(default_factory=dict)  # version → running instances

    @property
    def good(self) -> bool:
        return not self.problems and self.bundle is not None


def read_uploads(uploads: list[Any]) -> dict[str, str]:
    """The draft's files from an upload form (werkzeug FileStorage), checked for name, size and encoding."""
    files: dict[str, str] = {}
    for upload in uploads:
        if not upload or not upload.filename:
            continue
        name = Path(upload.filename.replace("\\", "/")).name
        if not name.endswith(SUFFIXES) or name.startswith("."):
            raise DraftError(_("Only .bpmn, .dmn and form .json files can be part of a draft: %(name)s", name=name))
        data = upload.read(MAX_FILE_BYTES + 1)
        files[name] = _text(name, data)
    return _checked(files)


def read_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """The draft's files sent back by the diff page to be deployed."""
    files = {}
    for name, text in texts.items():
        if Path(name).name != name or not name.endswith(SUFFIXES) or name.startswith("."):
            raise DraftError(_("Only .bpmn, .dmn and form .json files can be part of a draft: %(name)s", name=name))
        files[name] = _text(name, text.encode())
    return _checked(files)


def _text(name: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise DraftError(_("%(name)s is larger than 2 MB.", name=name))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DraftError(_("%(name)s is not a UTF-8 text file.", name=name)) from None


def _checked(files: dict[str, str]) -> dict[str, str]:
    if not files:
        raise DraftError(_("Choose at least one changed .bpmn, .dmn or form .json file."))
    if len(files) > MAX_FILES:
        raise DraftError(_("A draft holds at most %(n)d files.", n=MAX_FILES))
    return files


def _live_files() -> tuple[dict[str, str], dict[str, str]]:
    """The diagram and form files of every live version (a file shared by several: the newest)."""
    newest = (
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
        .group_by(ProcessDefinition.process_id)
        .subquery()
    )
    lives = db.session.scalars(
        select(ProcessDefinition)
        .join(newest, (newest.c.process_id == ProcessDefinition.process_id) & (newest.c.v == ProcessDefinition.version))
        .order_by(ProcessDefinition.created_at, ProcessDefinition.id)
    )
    diagrams: dict[str, str] = {}
    forms: dict[str, str] = {}
    for d in lives:
        diagrams.update(d.bundle.get("bpmn", {}))
        diagrams.update(d.bundle.get("dmn", {}))
        forms.update({f"{k}.json": json.dumps(v, ensure_ascii=False, indent=1) for k, v in d.bundle["forms"].items()})
    return diagrams, forms


def _catalog_with(files: Mapping[str, str]) -> Catalog:
    diagrams, forms = _live_files()
    for name, text in files.items():
        if name.endswith(".json"):
            forms[name] = text
        else:
            diagrams[name] = text
    with tempfile.TemporaryDirectory(prefix="zlw-draft-") as tmp:
        bpmn_dir, forms_dir = Path(tmp, "bpmn"), Path(tmp, "forms")
        bpmn_dir.mkdir()
        forms_dir.mkdir()
        for name, text in diagrams.items():
            (bpmn_dir / name).write_text(text, encoding="utf-8")
        for name, text in forms.items():
            (forms_dir / name).write_text(text, encoding="utf-8")
        return load_catalog(bpmn_dir, forms_dir)


def check_draft(process_id: str, files: dict[str, str], actor: User | None = None) -> DraftCheck:
    """Lay the draft over the live files, check everything, and for the process: diff and impact."""
    result = DraftCheck(process_id, files)
    hostile = [name for name, text in files.items() if not name.endswith(".json") and declares_doctype(text)]
    for name in hostile:
        result.problems.append(Problem(name, "", "document type declarations (<!DOCTYPE>, <!ENTITY>) are not allowed"))
    if hostile:
        return result
    catalog = _catalog_with(files)
    result.problems = list(catalog.problems)
    bundle = catalog.bundles.get(process_id)
    if bundle is None:
        if not result.problems:
            result.problems.append(Problem("", process_id, "the draft no longer defines this executable process"))
        return result
    result.bundle = bundle.as_dict()
    result.warnings = [w for w in catalog.warnings if w.file in bundle.bpmn]
    versions = versions_of(process_id)
    if not versions:
        return result
    result.live = versions[0]
    result.diff = diff_bundles(result.live.bundle, result.bundle)
    result.names = {**element_names(result.live.bundle), **element_names(result.bundle)}
    running = counts()
    result.running = {
        v.version: running.get((v.id, InstanceState.RUNNING), 0) + running.get((v.id, InstanceState.INCIDENT), 0)
        for v in versions
    }
    found: list[tuple[Affected, int]] = []
    for v in versions:
        if not result.running.get(v.version):
            continue
        against = result.diff if v is result.live else diff_bundles(v.bundle, result.bundle)
        found.extend((a, v.version) for a in affected_instances([v.id], against))
    result.impact = _impact_rows(found)
    if actor is not None:
        audit.record(
            "process.draft_checked",
            "process_definition",
            process_id,
            actor.id,
            files=sorted(files),
            problems=len(result.problems),
            affected=len(result.impact),
        )
    return result


def _impact_rows(found: list[tuple[Affected, int]]) -> list[ImpactRow]:
    project_ids = {a.project_id for a, _ in found if a.project_id}
    codes = {c for a, _ in found for c in a.holders}
    projects = (
        {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(project_ids)))} if project_ids else {}
    )
    orgs = (
        dict(db.session.execute(select(Organisation.code, Organisation.name).where(Organisation.code.in_(codes))).all())
        if codes
        else {}
    )
    return [
        ImpactRow(a, projects.get(a.project_id or 0), sorted(orgs.get(c, c) for c in a.holders), v) for a, v in found
    ]


def deploy_draft(process_id: str, files: dict[str, str], note: str, actor: User) -> tuple[DraftCheck, DeployReport]:
    """Check the draft again and deploy every process it changes, with the change note; nothing if it has problems."""
    note = note.strip()
    if not note:
        raise DraftError(_("Write a change note: it is kept with the version and shown to everyone."))
    if len(note) > 500:
        raise DraftError(_("The change note is longer than 500 characters."))
    check = check_draft(process_id, files)
    if not check.good:
        return check, DeployReport()
    catalog = _catalog_with(files)
    report = deploy_catalog(catalog, actor_id=actor.id, note=note)
    return check, report


def panes(check: DraftCheck) -> list[dict[str, Any]]:
    """Each changed diagram file of a good draft, before and after, with its changed elements marked."""
    if check.diff is None:
        return []
    diagrams, _forms = _live_files()
    out = []
    for name, new in sorted(check.files.items()):
        if not name.endswith(".bpmn"):
            continue
        old = diagrams.get(name, "")
        marks_old: dict[str, str] = {}
        marks_new: dict[str, str] = {}
        for c in check.diff.elements:
            needle = f'id="{c.element_id}"'
            if c.kind != "added" and needle in old:
                marks_old[c.element_id] = c.kind
            if c.kind != "removed" and needle in new:
                marks_new[c.element_id] = c.kind
        if marks_old or marks_new:
            out.append({"file": name, "old": old, "new": new, "marks_old": marks_old, "marks_new": marks_new})
    return out
