"""Start, load, complete and persist process instances; keep the HumanTask index in step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from .. import jobs
from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from . import store
from .catalog import BuiltSpec, build_spec, form_key_of
from .clock import set_due_dates
from .errors import (
    InstanceIncidentError,
    NotAllowedToActError,
    ProcessNotDeployedError,
    TaskNotFoundError,
    TaskNotReadyError,
)
from .forms import validate_answers
from .models import HumanTask, HumanTaskState, InstanceState, ProcessDefinition, ProcessInstance
from .routing import DEFAULT_MODE, Actor, chains_for, org_for_task, today_local
from .state import SERIALIZER, _engine, dump_state, load_state
from .store import InstanceRow


@dataclass
class StepResult:
    """What changed when an instance started or advanced."""

    instance_id: int
    status: str
    project_id: int | None = None
    new_task_ids: list[int] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    previous_data: dict[str, Any] = field(default_factory=dict)
    # the record kind the completed task's form declares, with the validated answers to write it from
    record: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    task_id: int | None = None


# a domain check on validated answers before anything changes: (form, answers, project id) -> raises to refuse
AnswerCheck = Callable[[Mapping[str, Any], dict[str, Any], int | None], None]


def _built_for(instance: InstanceRow | ProcessInstance) -> BuiltSpec:
    """Return the parsed spec an instance is pinned to (cached by content hash)."""
    return build_spec(instance.process_id, instance.spec_hash, lambda: _bundle(instance.definition_id))


def _bundle(definition_id: int) -> dict[str, Any]:
    d = db.session.get(ProcessDefinition, definition_id)
    if d is None:
        raise ProcessNotDeployedError(str(definition_id))
    return d.bundle


def latest_definition(process_id: str) -> ProcessDefinition:
    """Return the newest deployed definition of a process."""
    d = db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    if d is None:
        raise ProcessNotDeployedError(process_id)
    return d


def _ready_manual(workflow: BpmnWorkflow) -> dict[str, Any]:
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def _current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    if workflow.is_completed():
        return dict(workflow.data)
    # the task completed last anywhere in the instance: a step inside a call activity (e.g. the
    # sign-off called by the lifecycle) sets project_state in its own sub-workflow's data
    done = [w.last_task for w in (workflow, *workflow.subprocesses.values()) if w.last_task is not None]
    last = max(done, key=lambda t: t.last_state_change, default=workflow.task_tree)
    return dict(last.data)


def _next_timer(workflow: BpmnWorkflow) -> datetime | None:
    due: list[datetime] = []
    for t in workflow.get_tasks(state=TaskState.WAITING):
        value = t.internal_data.get("event_value")
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                continue
            due.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return min(due) if due else None


def _run_engine(workflow: BpmnWorkflow, instance_id: int | None, before: Any = None) -> None:
    """Run engine steps; any failure of diagram code becomes an InstanceIncidentError."""
    try:
        if before is not None:
            before()
        workflow.refresh_timers()
        workflow.do_engine_steps()
    except Exception as exc:  # diagram code failed: scripts, conditions, timers, DMN
        raise InstanceIncidentError(instance_id or 0, _reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "exception", None) or exc.__cause__
    text = f"{type(exc).__name__}: {exc}"
    if inner is not None and str(inner) not in text:
        text += f" ({type(inner).__name__}: {inner})"
    return text[:2000]


def _new_task_rows(instance: InstanceRow, guids: list[str], ready: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for guid in guids:
        t = ready[guid]
        spec = t.task_spec
        rows.append(
            {
                "instance_id": instance.id,
                "task_guid": guid,
                "bpmn_id": spec.bpmn_id,
                "title": (spec.bpmn_name or spec.bpmn_id)[:200],
                "form_key": form_key_of(spec),
                "lane": spec.lane or "",
                "org_code": org_for_task(spec.lane or "", t.data),
                # the department's approval mode: per department (`modes`, from the routing table), else one for all
                "mode": str(
                    (t.data.get("modes") or {}).get(org_for_task(spec.lane or "", t.data))
                    or t.data.get("signoff_mode")
                    or DEFAULT_MODE
                ),
                "project_id": instance.project_id,
                "due_at": None,
            }
        )
    by_mode: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_mode.setdefault(row["mode"], []).append(row)
    for mode, group in by_mode.items():
        chains = chains_for({r["org_code"] for r in group}, mode)
        for row in group:
            row["chain"] = chains.get(row["org_code"], [])
            row["chain_pos"] = 0
            row["post_id"] = row["chain"][0] if row["chain"] else None
    set_due_dates([r for r in rows if r["chain"]])
    return rows


def _save(
    instance: InstanceRow,
    workflow: BpmnWorkflow,
    ready_before: Mapping[str, Any],
    done_guid: str | None = None,
) -> list[int]:
    """Write state, status, timer and the HumanTask changes; return the new human tasks' ids."""
    ready_after = _ready_manual(workflow)
    status = InstanceState.COMPLETED if workflow.is_completed() else InstanceState.RUNNING
    store.save_instance(instance, dump_state(workflow), SERIALIZER.VERSION, status, _next_timer(workflow))
    gone = set(ready_before) - set(ready_after) - {done_guid}
    if gone:
        store.cancel_tasks(instance.id, gone)
    new = [g for g in ready_after if g not in ready_before]
    ids = store.insert_tasks(_new_task_rows(instance, new, ready_after))
    if ids:
        jobs.enqueue("notify_tasks_ready", human_task_ids=ids)
    return ids


def start_instance(
    process_id: str, data: Mapping[str, Any], actor_id: int | None = None, project_id: int | None = None
) -> StepResult:
    """Start the newest version of a process with `data` on its root task; flush, never commit."""
    definition = latest_definition(process_id)
    built = build_spec(process_id, definition.sha256, lambda: definition.bundle)
    workflow = BpmnWorkflow(built.spec, built.subprocess_specs, script_engine=_engine())
    workflow.task_tree.data.update(dict(data))
    values = {
        "definition_id": definition.id,
        "spec_hash": definition.sha256,
        "process_id": process_id,
        "project_id": project_id,
        "started_by_id": actor_id,
        "state": dump_state(workflow),
        "serializer_version": SERIALIZER.VERSION,
    }
    instance_id = store.insert_instance(**values)
    instance = InstanceRow(
        instance_id, definition.id, definition.sha256, process_id, InstanceState.RUNNING, 1, "", project_id, None, None
    )
    try:
        _run_engine(workflow, instance_id)
    except InstanceIncidentError as exc:
        exc.instance_id = instance_id
        _mark_incident(instance, exc.reason, actor_id)
        raise
    ids = _save(instance, workflow, {})
    audit.record("instance.start", "process_instance", instance_id, actor_id, process=process_id)
    return StepResult(instance_id, instance.status, project_id, ids, _current_data(workflow))


def _mark_incident(instance: InstanceRow, reason: str, actor_id: int | None) -> None:
    store.mark_incident(instance, reason)
    audit.record("instance.incident", "process_instance", instance.id, actor_id, reason=reason)


def load_task(human_task_id: int) -> HumanTask:
    """Return a human task row or raise TaskNotFoundError."""
    ht = db.session.get(HumanTask, human_task_id)
    if ht is None:
        raise TaskNotFoundError(str(human_task_id))
    return ht


def lock_for(human_task_id: int, actor: Actor) -> tuple[InstanceRow, store.TaskRow, int | None]:
    """Lock a task's instance and check the actor may act on it now; return whom they act for."""
    locked = store.lock_instance_with_task(human_task_id, actor.id, today_local())
    if locked is None:
        raise TaskNotFoundError(str(human_task_id))
    instance, ht, standing = locked
    at_post = ht.post_id is None or standing.holds_post or standing.covers_for is not None
    if actor.org_code != ht.org_code or not ht.org_code or not at_post:
        raise NotAllowedToActError(str(human_task_id))
    if ht.state != HumanTaskState.READY:
        raise TaskNotReadyError(ht.state, by=str(ht.completed_by_id) if ht.completed_by_id else None)
    if instance.status == InstanceState.INCIDENT:
        raise InstanceIncidentError(instance.id, instance.incident or "")
    behalf = None if ht.post_id is None or standing.holds_post else standing.covers_for
    return instance, ht, behalf


def complete_task(
    human_task_id: int, answers: Mapping[str, Any], actor: Actor, check: AnswerCheck | None = None
) -> StepResult:
    """Validate answers, complete the task (or its current level), run engine steps, persist; never commit.

    The instance row is locked first (SELECT ... FOR UPDATE on PostgreSQL; the version column
    catches a concurrent writer elsewhere), so two departments signing at once both count and
    the same task submitted twice completes once (the second sees the task done in the state).
    A task routed through a department's chain of posts records each level's opinion and moves
    to the next post; only the last level completes the engine task, with every level's opinion.
    """
    instance, ht, behalf = lock_for(human_task_id, actor)
    built = _built_for(instance)
    form = built.forms[ht.form_key]
    clean = validate_answers(form, answers)
    if check is not None:
        check(form, clean, instance.project_id)
    clean.update(
        signed_by=actor.name,
        signed_by_id=actor.id,
        signed_at=utcnow().isoformat(timespec="seconds"),
        org_name=actor.org_name,
        task=ht.bpmn_id,
    )
    if behalf is not None:
        clean["signed_for_id"] = behalf
    if ht.chain and ht.chain_pos < len(ht.chain) - 1:
        return _complete_level(instance, ht, clean, actor, behalf)
    result = _complete_engine_task(instance, built, ht, clean, actor.id, behalf)
    result.record, result.answers, result.task_id = form.get("record"), clean, ht.id
    return result


def _complete_engine_task(
    instance: InstanceRow,
    built: BuiltSpec,
    ht: store.TaskRow,
    clean: dict[str, Any],
    actor_id: int | None,
    behalf: int | None,
) -> StepResult:
    """Run the engine task with the answers, engine steps, save, mark the task done, audit."""
    workflow = load_state(instance.state, built)
    task = workflow.get_task_from_id(UUID(ht.task_guid))
    if task is None or task.state != TaskState.READY:
        raise TaskNotReadyError(HumanTaskState.COMPLETED)  # completed by a request that held the lock first
    previous = _current_data(workflow)
    ready_before = _ready_manual(workflow)
    if ht.chain_pos > 0:
        clean["levels"] = store.steps_of(ht.id)
    if ht.lane in task.data:
        clean[ht.lane] = task.data[ht.lane]

    def run_task() -> None:
        task.task_spec.add_data_from_form(task, clean)
        task.run()

    try:
        _run_engine(workflow, instance.id, before=run_task)
    except InstanceIncidentError as exc:
        _mark_incident(instance, exc.reason, actor_id)
        raise
    ids = _save(instance, workflow, ready_before, done_guid=ht.task_guid)
    store.complete_task_row(ht.id, actor_id)
    audit.record(
        "task.complete",
        "human_task",
        ht.id,
        actor_id,
        on_behalf_of_id=behalf,
        instance=instance.id,
        task=ht.bpmn_id,
        answers={k: v for k, v in clean.items() if k not in ("signed_by_id", "levels")},
    )
    return StepResult(instance.id, instance.status, instance.project_id, ids, _current_data(workflow), previous)


def _complete_level(
    instance: InstanceRow, ht: store.TaskRow, clean: dict[str, Any], actor: Actor, behalf: int | None
) -> StepResult:
    """Record a level's opinion and pass the task to the next post of the chain (no engine run)."""
    store.add_step(ht, actor.id, behalf, clean)
    audit.record(
        "task.level",
        "human_task",
        ht.id,
        actor.id,
        on_behalf_of_id=behalf,
        instance=instance.id,
        task=ht.bpmn_id,
        position=ht.chain_pos,
        answers={k: v for k, v in clean.items() if k != "signed_by_id"},
    )
    jobs.enqueue("notify_tasks_ready", human_task_ids=[ht.id])
    return StepResult(instance.id, instance.status, instance.project_id, [ht.id])


def cancel_instance(instance_id: int, actor_id: int, reason: str) -> None:
    """Stop a running instance (the submitter withdrew it); its waiting tasks are cancelled; never commits."""
    instance = store.lock_instance(instance_id)
    if instance is None:
        raise TaskNotFoundError(str(instance_id))
    if instance.status != InstanceState.RUNNING:
        raise TaskNotReadyError(instance.status)
    store.cancel_instance(instance)
    audit.record("instance.cancel", "process_instance", instance.id, actor_id, reason=reason)


def instance_data(instance_id: int) -> dict[str, Any]:
    """Return the current data of an instance (its end data once completed)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise TaskNotFoundError(str(instance_id))
    return _current_data(load_state(instance.state, _built_for(instance)))


def task_context(ht: HumanTask) -> dict[str, Any]:
    """Return the data a person sees on a task page (the task's own data)."""
    instance = ht.instance
    workflow = load_state(instance.state, _built_for(instance))
    task = workflow.get_task_from_id(UUID(ht.task_guid))
    return dict(task.data) if task is not None else {}


def task_form(ht: HumanTask) -> dict[str, Any]:
    """Return the form definition pinned by the task's instance."""
    return _built_for(ht.instance).forms[ht.form_key]
