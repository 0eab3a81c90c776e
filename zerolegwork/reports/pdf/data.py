"""Reading a project for its report: `gather()` in about twenty queries, whatever the project's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...audit.models import AuditEvent
from ...engine import runtime, state, view
from ...engine.errors import EngineError
from ...engine.models import HumanTask, HumanTaskState, ProcessDefinition, ProcessInstance, TaskStep
from ...extensions import db
from ...files.models import Attachment
from ...files.slots import slots_of
from ...funds import caps
from ...orgs.models import Organisation, User
from ...projects import functions as catalog
from ...projects.errors import ProjectNotFoundError
from ...projects.library import chosen_functions
from ...projects.models import Project
from ...records.services import records_of

LIFECYCLE = "lifecycle"


@dataclass
class ReportData:
    """What one project's report shows, read from the database in a bounded number of queries."""

    project: Project
    chosen: dict[str, list[str]]
    states: dict[str, str]
    records: dict[str, list[Any]]
    people: dict[int, str]
    tasks: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    attachments: list[Attachment]
    slot_labels: dict[str, str] = field(default_factory=dict)
    versions: list[str] = field(default_factory=list)  # "部门并联会签 v2" of each process instance of the project
    audited: dict[int, Decimal] = field(default_factory=dict)  # contract id -> accepted 审定金额 (funds.caps)


def gather(project_id: int) -> ReportData:
    """Everything the report shows of one project."""
    project = db.session.scalars(
        select(Project)
        .options(joinedload(Project.unit), joinedload(Project.competent_department))
        .where(Project.id == project_id)
    ).first()
    if project is None:
        raise ProjectNotFoundError(str(project_id))
    records = records_of(project.id)
    actor_ids = {r.actor_id for rows in records.values() for r in rows if r.actor_id}
    people = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all())
    attachments = list(
        db.session.scalars(
            select(Attachment)
            .options(joinedload(Attachment.uploaded_by))
            .where(Attachment.project_id == project.id, Attachment.withdrawn_at.is_(None))  # withdrawn: not evidence
            .order_by(Attachment.slot, Attachment.version.desc())
        )
    )
    return ReportData(
        project=project,
        chosen=chosen_functions(project.id),
        states=_process_states(project),
        records=records,
        people=people,
        tasks=_completed_tasks(project.id),
        opinions=_signoff_opinions(project),
        attachments=attachments,
        slot_labels=_slot_labels() | _named(attachments),
        versions=_versions(project.id),
        audited=caps.audited_amounts([project.id]) if records.get("contract") else {},
    )


def _named(attachments: list[Attachment]) -> dict[str, str]:
    """Chinese labels of the slots no form declares (a call's attachments, vouchers, order reports)."""
    from ...projects.life import slot_names

    return {slot: names["zh_CN"] for slot, names in slot_names({a.slot for a in attachments}).items()}


def _versions(project_id: int) -> list[str]:
    """The process and version each of the project's instances runs, oldest first (one query)."""
    rows = db.session.execute(
        select(ProcessInstance.definition_id, ProcessInstance.process_id, ProcessInstance.spec_hash)
        .where(ProcessInstance.project_id == project_id)
        .order_by(ProcessInstance.id)
    ).all()
    out = []
    for row in rows:
        try:
            name, number = state.version_of(row)
        except EngineError:
            continue
        out.append(f"{name} v{number}")
    return out


def _process_states(project: Project) -> dict[str, str]:
    if project.lifecycle_id is None:
        return {}
    positions = view.positions(project.lifecycle_id)
    return {p.key: positions.get(f"call_{p.key}", "pending") for p in catalog.PROCESSES}


def _signoff_opinions(project: Project) -> list[dict[str, Any]]:
    """The joint sign-off's opinions as its process data keeps them (every round)."""
    instance_id = project.lifecycle_id or project.instance_id
    if instance_id is None:
        return []
    try:
        opinions = runtime.instance_data(instance_id).get("opinions") or []
    except EngineError:
        return []
    return [o for o in opinions if isinstance(o, dict)]


def _completed_tasks(project_id: int) -> list[dict[str, Any]]:
    """The project's completed tasks, oldest first, with who completed them, the decision and the opinion."""
    rows = db.session.execute(
        select(HumanTask.id, HumanTask.title, HumanTask.completed_at, User.display_name, Organisation.name)
        .join(User, User.id == HumanTask.completed_by_id)
        .outerjoin(Organisation, Organisation.code == HumanTask.org_code)
        .where(HumanTask.project_id == project_id, HumanTask.state == HumanTaskState.COMPLETED)
        .order_by(HumanTask.completed_at, HumanTask.id)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    answers: dict[int, dict[str, Any]] = {}
    for object_id, detail in db.session.execute(
        select(AuditEvent.object_id, AuditEvent.detail).where(
            AuditEvent.object_type == "human_task",
            AuditEvent.action == "task.complete",
            AuditEvent.object_id.in_([str(i) for i in ids]),
        )
    ):
        if isinstance(detail, dict) and isinstance(detail.get("answers"), dict):
            answers[int(object_id)] = detail["answers"]
    steps: dict[int, list[tuple[int, str, dict[str, Any], datetime]]] = {}
    for task_id, position, name, step_answers, at in db.session.execute(
        select(TaskStep.human_task_id, TaskStep.position, User.display_name, TaskStep.answers, TaskStep.at)
        .join(User, User.id == TaskStep.user_id)
        .where(TaskStep.human_task_id.in_(ids))
        .order_by(TaskStep.human_task_id, TaskStep.position)
    ):
        steps.setdefault(task_id, []).append((position, name, step_answers or {}, at))
    out = []
    for r in rows:
        given = answers.get(r.id, {})
        out.append(
            {
                "title": r.title,
                "org": r.name or "",
                "who": r.display_name,
                "at": r.completed_at,
                "decision": str(given.get("decision") or ""),
                "opinion": str(given.get("opinion") or given.get("note") or ""),
                "steps": steps.get(r.id, []),
            }
        )
    return out


_SLOT_LABELS: dict[str, dict[str, str]] = {}


def _slot_labels() -> dict[str, str]:
    """Evidence slot -> Chinese label, from the forms of the newest lifecycle (read once per deployment)."""
    sha = db.session.scalar(
        select(ProcessDefinition.sha256)
        .where(ProcessDefinition.process_id == LIFECYCLE)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    labels = {"site_photo": "现场照片"}
    if sha is None:
        return labels
    if sha not in _SLOT_LABELS:
        bundle = runtime.latest_definition(LIFECYCLE).bundle
        found = dict(labels)
        for form in (bundle.get("forms") or {}).values():
            for slot in slots_of(form):
                found.setdefault(slot.key, slot.title("zh_CN"))
        _SLOT_LABELS.clear()
        _SLOT_LABELS[sha] = found
    return _SLOT_LABELS[sha]


def entered_by(data: ReportData, record: Any) -> str:
    return data.people.get(record.actor_id, "—") if record.actor_id else "—"


def periods(data: ReportData) -> list[Any]:
    return sorted(data.records["progress_report"], key=lambda r: (r.period, r.id))
