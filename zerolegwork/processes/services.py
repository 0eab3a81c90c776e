"""流程管理 for analysts: the catalog of deployed versions and where a version's running instances wait.

Drafts (a change checked, diffed and deployed) are in drafts.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from lxml import etree
from sqlalchemy import func, select

from ..db import utcnow
from ..engine.deploy import live_definition
from ..engine.diff import decision_names, element_names
from ..engine.models import HumanTask, HumanTaskState, InstanceState, ProcessDefinition, ProcessInstance
from ..engine.state import version_of
from ..extensions import db
from ..orgs.models import Organisation, User
from ..projects.models import Project

LIVE_STATES = (InstanceState.RUNNING, InstanceState.INCIDENT, InstanceState.SUSPENDED)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class VersionRow:
    definition: ProcessDefinition
    running: int = 0
    incidents: int = 0
    deployed_by: str | None = None


@dataclass
class ProcessRow:
    process_id: str
    name: str
    versions: list[VersionRow]
    decisions: dict[str, str]

    @property
    def live(self) -> VersionRow:
        return self.versions[0]


@dataclass
class Waiting:
    """Where a version's running instances wait: one flow node, how many and since when."""

    element_id: str
    count: int
    oldest: datetime


def may_administer(user: User) -> bool:
    """Analysts and platform administrators keep the approval paths."""
    return bool(user.is_analyst or (user.is_region_admin and user.org.dept_type == "admin"))


def counts() -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
        .where(ProcessInstance.status.in_(LIVE_STATES))
        .group_by(ProcessInstance.definition_id, ProcessInstance.status)
    )
    return {(d, s): n for d, s, n in rows}


def catalog() -> list[ProcessRow]:
    """Every deployed process with its versions (newest first), running counts and decision tables."""
    defs = list(
        db.session.scalars(
            select(ProcessDefinition).order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())
        )
    )
    running = counts()
    names = dict(db.session.execute(select(User.id, User.display_name)).all()) if defs else {}
    out: dict[str, ProcessRow] = {}
    for d in defs:
        row = VersionRow(
            d,
            running.get((d.id, InstanceState.RUNNING), 0),
            running.get((d.id, InstanceState.INCIDENT), 0),
            names.get(d.deployed_by_id) if d.deployed_by_id else None,
        )
        if d.process_id not in out:
            out[d.process_id] = ProcessRow(
                d.process_id, process_name(d.sha256, d.process_id, d.bundle), [], decision_names(d.bundle)
            )
        out[d.process_id].versions.append(row)
    return list(out.values())


def process_name(sha256: str, process_id: str, bundle: Mapping[str, Any]) -> str:
    """The name the diagram gives the process (its id when it gives none)."""
    return _process_name(sha256, process_id, bundle.get("bpmn", {}).get(f"{process_id}.bpmn", ""))


@lru_cache(maxsize=256)
def _process_name(sha256: str, process_id: str, xml: str) -> str:
    if not xml:
        return process_id
    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    for proc in root.iter(f"{{{BPMN_NS}}}process"):
        if proc.get("id") == process_id:
            return proc.get("name") or process_id
    return process_id


def version(process_id: str, number: int) -> ProcessDefinition | None:
    return db.session.scalar(
        select(ProcessDefinition).where(ProcessDefinition.process_id == process_id, ProcessDefinition.version == number)
    )


def waiting(definition_id: int) -> list[Waiting]:
    """Per flow node: the people's tasks of this version's running instances waiting there, and the oldest."""
    rows = db.session.execute(
        select(HumanTask.bpmn_id, func.count(), func.min(HumanTask.created_at))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            ProcessInstance.definition_id == definition_id,
            ProcessInstance.status.in_(LIVE_STATES),
            HumanTask.state == HumanTaskState.READY,
        )
        .group_by(HumanTask.bpmn_id)
        .order_by(func.count().desc())
    )
    return [Waiting(b, n, oldest) for b, n, oldest in rows]


def waiting_tasks(definition_id: int, page: int, per_page: int = 50) -> tuple[list[Any], int]:
    """One page of the waiting people's tasks of a version: task, project, holding organisation."""
    where = (
        ProcessInstance.definition_id == definition_id,
        ProcessInstance.status.in_(LIVE_STATES),
        HumanTask.state == HumanTaskState.READY,
    )
    total = db.session.scalar(
        select(func.count())
        .select_from(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(*where)
    )
    rows = db.session.execute(
        select(HumanTask, Project, Organisation.name)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Project, Project.id == HumanTask.project_id)
        .outerjoin(Organisation, Organisation.code == HumanTask.org_code)
        .where(*where)
        .order_by(HumanTask.created_at, HumanTask.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total or 0)


def hours_since(moment: datetime) -> float:
    return max(0.0, (utcnow() - moment).total_seconds() / 3600)


def live_version(process_id: str) -> ProcessDefinition | None:
    return live_definition(process_id)


def file_text(definition: ProcessDefinition, file: str) -> str | None:
    """The text of one diagram file of a version (None when the version has no such file)."""
    bundle = definition.bundle
    return bundle.get("bpmn", {}).get(file) or bundle.get("dmn", {}).get(file)


def element_names_of(definition: ProcessDefinition) -> dict[str, str]:
    """Element id → name in a version's diagrams (cached per version's content)."""
    return _element_names(definition.sha256, definition.bundle)


_NAMES: dict[str, dict[str, str]] = {}


def _element_names(sha256: str, bundle: Mapping[str, Any]) -> dict[str, str]:
    if sha256 not in _NAMES:
        if len(_NAMES) > 256:
            _NAMES.clear()
        _NAMES[sha256] = element_names(bundle)
    return _NAMES[sha256]


def version_label(instance_id: int | None) -> str:
    """ "部门并联会签 v2": the process an instance runs and its version ("" without an instance)."""
    if not instance_id:
        return ""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        return ""
    name, number = version_of(instance)
    return f"{name} v{number}"


def definition(definition_id: int) -> ProcessDefinition | None:
    return db.session.get(ProcessDefinition, definition_id)


def other_versions(definition: ProcessDefinition) -> list[tuple[ProcessDefinition, int]]:
    """The process's other versions that have running (or incident) instances, with how many."""
    running = counts()
    rows = db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == definition.process_id, ProcessDefinition.id != definition.id)
        .order_by(ProcessDefinition.version.desc())
    )
    out = []
    for d in rows:
        n = running.get((d.id, InstanceState.RUNNING), 0) + running.get((d.id, InstanceState.INCIDENT), 0)
        if n:
            out.append((d, n))
    return out


def projects_by_id(ids: list[int]) -> dict[int, Project]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(ids)))}


def incidents(page: int, per_page: int = 20) -> tuple[list[Any], int]:
    """One page of the instances that are incidents, newest first: instance, its version, its project."""
    where = ProcessInstance.status == InstanceState.INCIDENT
    total = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(where))
    rows = db.session.execute(
        select(ProcessInstance, ProcessDefinition.version, Project)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Project, Project.id == ProcessInstance.project_id)
        .where(where)
        .order_by(ProcessInstance.updated_at.desc(), ProcessInstance.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), int(total or 0)


def suspended(limit: int = 200) -> list[Any]:
    """The suspended instances, newest first: instance, its version, its project."""
    return list(
        db.session.execute(
            select(ProcessInstance, ProcessDefinition.version, Project)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .outerjoin(Project, Project.id == ProcessInstance.project_id)
            .where(ProcessInstance.status == InstanceState.SUSPENDED)
            .order_by(ProcessInstance.updated_at.desc(), ProcessInstance.id.desc())
            .limit(limit)
        ).all()
    )
