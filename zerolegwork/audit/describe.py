"""Audit events in people's words: what was done, to which object, and the detail as labelled values.

An event's detail is stored as the code wrote it (`before`, `answers`, `in_approval`, an exception's
text); pages show it through here: keys become labels, machine values become their Chinese labels
(states, decisions, modes, process names, chosen functions), a form's answers become its field labels
with the values, and what has no label is not shown as text (its raw form stays in a tooltip).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

# a machine name: snake_case, dotted.names, CamelCase, or a word of ASCII letters with digits or _ . : -
MACHINE = re.compile(
    r"^(?=[A-Za-z0-9_.:/-]*[A-Za-z])(?:[A-Za-z0-9]+(?:[_.:/-][A-Za-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*|[a-z_]+)$"
)
FILE_EXTENSIONS = {"pdf", "xlsx", "xls", "csv", "zip", "png", "jpg", "jpeg", "webp", "doc", "docx", "txt", "ofd"}
# the lanes' org codes the runtime adds to a task's answers; the organisation's name is there as org_name
LANE_KEYS = {"department", "competent_department", "project_unit"}
EXCEPTION_TEXT = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b")

KEY_LABELS: dict[str, Any] = {
    "before": _l("Before"),
    "after": _l("After"),
    "reason": _l("Reason"),
    "instance": _l("Process no."),
    "project": _l("Project"),
    "version": _l("Version"),
    "task": _l("Step"),
    "answers": _l("Answers"),
    "source": _l("Source"),
    "slot": _l("Material"),
    "rows": _l("Rows"),
    "query": _l("Filters"),
    "agency": _l("Agency"),
    "service": _l("Service"),
    "region": _l("Region"),
    "code": _l("Project code"),
    "name": _l("Name"),
    "size": _l("Size (bytes)"),
    "process": _l("Process"),
    "mode": _l("Approval mode"),
    "decision": _l("Decision"),
    "opinion": _l("Opinion"),
    "post": _l("Post"),
    "posts": _l("Posts"),
    "from_post": _l("From post"),
    "to_post": _l("To post"),
    "filename": _l("File name"),
    "amount": _l("Amount"),
    "year": _l("Year"),
    "plan_version": _l("Investment plan version"),
    "total": _l("Total"),
    "note": _l("Note"),
    "days": _l("Days"),
    "until": _l("Until"),
    "unit": _l("Internal unit"),
    "format": _l("Format"),
    "imported": _l("Imported"),
    "failures": _l("Failures"),
    "attempts": _l("Attempts"),
    "method": _l("Request method"),
    "path": _l("Address"),
    "position": _l("Position"),
    "definition": _l("Definition"),
    "as_of": _l("As of"),
    "checksum": _l("Checksum"),
    "signed_by": _l("Signed by"),
    "signed_at": _l("Signed at"),
    "org_name": _l("Organisation"),
    "round_no": _l("Round"),
    "functions": _l("Functions"),
    "state": _l("State"),
    "level": _l("Level"),
    "category": _l("Category"),
    "sha256": _l("Checksum"),
    "element": _l("Element"),
    "error": _l("Error"),
    "next_incident": _l("Next incident"),
    "removed": _l("Removed"),
    "tasks": _l("Tasks"),
}

VALUE_LABELS: dict[str, Any] = {
    "draft": _l("Draft"),
    "in_approval": _l("Under review"),
    "approved": _l("Approved"),
    "returned": _l("Returned to the unit"),
    "closed": _l("Closed"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "confirm": _l("Confirm"),
    "return": _l("Return"),
    "agree": _l("Agree"),
    "disagree": _l("Disagree"),
    "resubmit": _l("Resubmit"),
    "withdraw": _l("Withdraw"),
    "approval": _l("审批"),
    "verification": _l("核准"),
    "filing": _l("备案"),
    "running": _l("Running"),
    "completed": _l("Completed"),
    "incident": _l("Incident"),
    "cancelled": _l("Cancelled"),
    "city": _l("City level"),
    "district": _l("District level"),
    "withdrawn": _l("Withdrawn"),
    "lapsed": _l("Lapsed"),
    "totp": _l("One-time code"),
    "password": _l("Password"),
    "xlsx": "Excel",
    "csv": "CSV",
    "pdf": "PDF",
}

OBJECT_LABELS: dict[str, Any] = {
    "project": _l("Project"),
    "human_task": _l("Task"),
    "user": _l("Account"),
    "organisation": _l("Organisation"),
    "process_instance": _l("Process"),
    "outbox_job": _l("Background job"),
    "process_definition": _l("Process definition"),
    "attachment": _l("Attachment"),
    "path": _l("Address"),
    "report_definition": _l("Report definition"),
    "report_batch": _l("Report batch"),
    "api_token": _l("API token"),
    "calendar": _l("Holiday calendar"),
    "expert": _l("Expert"),
    "post": _l("Post"),
    "substitution": _l("Substitute"),
    "audit": _l("Audit log"),
    "countersign": _l("Countersign"),
}


@dataclass(frozen=True)
class Line:
    """One labelled value of an event's detail; `raw` is the stored form, for a tooltip."""

    label: str
    text: str
    raw: str = ""


def _forms_dir() -> str:
    return str(current_app.config["ZLW"].forms_dir)


_field_labels: dict[str, dict[str, str]] = {}


def field_labels(forms_dir: str | None = None) -> dict[str, str]:
    """Every form field's zh-CN label and every choice's label, by name, from the forms folder (cached)."""
    folder = forms_dir or _forms_dir()
    cached = _field_labels.get(folder)
    if cached is not None:
        return cached
    labels: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            form = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for field in form.get("fields", []):
            label = (field.get("label") or {}).get("zh_CN")
            if field.get("name") and label:
                labels.setdefault(f"field:{field['name']}", str(label))
            for choice in field.get("choices", []) or []:
                text = (choice.get("label") or {}).get("zh_CN")
                if choice.get("value") is not None and text:
                    labels.setdefault(f"choice:{choice['value']}", str(text))
        for slot in form.get("evidence", []) or []:
            if isinstance(slot, dict) and slot.get("slot") and (slot.get("label") or {}).get("zh_CN"):
                labels.setdefault(f"slot:{slot['slot']}", str(slot["label"]["zh_CN"]))
    labels.setdefault("slot:site_photo", "现场照片")
    _field_labels[folder] = labels
    return labels


_functions: dict[str, dict[str, str]] = {}


def _function_labels(as_key: bool = False) -> dict[str, str]:
    """The eight processes' and their functions' names by key (项目手续, 可行性研究报告 …).

    A few keys are both (`investment`: 项目投资, and 投资进度 of progress): as a detail's key it names a
    process (functions are chosen per process), as a value a function.
    """
    if not _functions:
        from ..projects.functions import PROCESSES

        processes = {p.key: p.zh for p in PROCESSES}
        functions = {f.key: f.zh for p in PROCESSES for f in p.functions}
        _functions["key"] = {**functions, **processes}
        _functions["value"] = {**processes, **functions}
    return _functions["key" if as_key else "value"]


def is_machine(text: str) -> bool:
    """Whether a text is a machine name (snake_case, dotted.name, CamelCase) rather than words."""
    return bool(MACHINE.match(text))


def value_text(value: Any, labels: Mapping[str, str] | None = None) -> tuple[str, str]:
    """A stored value as people read it, and its raw form when that differs (for a tooltip)."""
    labels = labels if labels is not None else field_labels()
    if value is None or value == "":
        return "—", ""
    if isinstance(value, bool):
        return (str(_l("Yes")) if value else str(_l("No"))), ""
    if isinstance(value, (int, float)):
        return str(value), ""
    if isinstance(value, list):
        parts = [value_text(v, labels)[0] for v in value]
        return "、".join(parts) or "—", ""
    if isinstance(value, dict):
        parts = [f"{key_label(str(k), labels)}：{value_text(v, labels)[0]}" for k, v in value.items()]
        return "；".join(parts) or "—", ""
    text = str(value)
    if text in VALUE_LABELS:
        return str(VALUE_LABELS[text]), text
    for kind in ("choice", "slot"):
        if f"{kind}:{text}" in labels:
            return labels[f"{kind}:{text}"], text
    if "." in text and text.rsplit(".", 1)[1].lower() in FILE_EXTENSIONS:
        return text, ""  # a file's name
    named = _function_labels().get(text)
    if named:
        return named, text
    if EXCEPTION_TEXT.search(text):
        return str(_l("A rule of the process failed (technical detail kept for the administrator)")), text
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        from ..i18n import local_time

        return str(local_time(when)), text
    if is_machine(text):
        from ..engine.titles import process_name

        name = process_name(text, current_app.config["ZLW"].bpmn_dir)
        return (name, text) if name != text else (str(_l("(internal value)")), text)
    return text, ""


def key_label(key: str, labels: Mapping[str, str] | None = None) -> str:
    """A detail key's label: the audit vocabulary, else a form field's label, else a neutral word."""
    labels = labels if labels is not None else field_labels()
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    if f"field:{key}" in labels:
        return labels[f"field:{key}"]
    return _function_labels(as_key=True).get(key) or str(_l("Other detail"))


def detail_lines(detail: Mapping[str, Any]) -> list[Line]:
    """An event's detail as labelled lines: `before → after` first, a form's answers field by field."""
    labels = field_labels()
    lines: list[Line] = []
    if "before" in detail or "after" in detail:
        before, raw_before = value_text(detail.get("before"), labels)
        after, raw_after = value_text(detail.get("after"), labels)
        raw = f"{raw_before} → {raw_after}" if raw_before or raw_after else ""
        lines.append(Line(str(_l("Change")), f"{before} → {after}", raw))
    for key, value in detail.items():
        # the step is the event's object (its title is shown there); before/after came first
        if key in ("before", "after", "task"):
            continue
        if key == "answers" and isinstance(value, dict):
            for name, answer in value.items():
                if name in ("signed_by_id", "levels", "task", "signed_at") or name in LANE_KEYS:
                    continue
                text, raw = value_text(answer, labels)
                lines.append(Line(key_label(str(name), labels), text, raw))
            continue
        text, raw = value_text(value, labels)
        lines.append(Line(key_label(key, labels), text, raw))
    return lines


def action_label(action: str) -> str:
    """What the audit log calls an action; an action without a label is named by its kind, never its code."""
    from .services import ACTIONS

    label = ACTIONS.get(action)
    return str(label) if label is not None else str(_l("Other action"))


def object_label(object_type: str) -> str:
    """What the audit log calls a kind of object."""
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else str(_l("Other object"))


@dataclass(frozen=True)
class ObjectRef:
    """An audited object as a page shows it: its kind, its name, where it can be opened (or '')."""

    kind: str
    name: str
    url: str = ""


def object_refs(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], ObjectRef]:
    """Names (and links) of audited objects: one query per kind of object present on the page."""
    from sqlalchemy import select

    from ..engine.models import HumanTask
    from ..extensions import db
    from ..orgs.models import Organisation, User
    from ..projects.models import Project

    ids: dict[str, set[int]] = {}
    for kind, oid in pairs:
        if oid.isdigit() and len(oid) < 10:
            ids.setdefault(kind, set()).add(int(oid))
    out: dict[tuple[str, str], ObjectRef] = {}
    if ids.get("project"):
        for pid, name in db.session.execute(select(Project.id, Project.name).where(Project.id.in_(ids["project"]))):
            out[("project", str(pid))] = ObjectRef(
                object_label("project"), name, url_for("projects.detail", project_id=pid)
            )
    if ids.get("human_task"):
        rows = db.session.execute(
            select(HumanTask.id, HumanTask.title, HumanTask.project_id).where(HumanTask.id.in_(ids["human_task"]))
        )
        for tid, title, pid in rows:
            url = url_for("projects.detail", project_id=pid) if pid else ""
            out[("human_task", str(tid))] = ObjectRef(object_label("human_task"), title, url)
    if ids.get("user"):
        for uid, name in db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids["user"]))):
            out[("user", str(uid))] = ObjectRef(object_label("user"), name)
    if ids.get("organisation"):
        found = db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids["organisation"]))
        )
        for oid, name in found:
            out[("organisation", str(oid))] = ObjectRef(object_label("organisation"), name)
    for kind, oid in pairs:
        if (kind, oid) not in out:
            shown = f"#{oid}" if oid.isdigit() else ("" if is_machine(oid) else oid)
            out[(kind, oid)] = ObjectRef(object_label(kind), shown)
    return out
