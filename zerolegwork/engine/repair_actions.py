"""Repairing instances, the heavier tools (issue 14 item 5): skip a failed step, edit the data, terminate.

- **Skip** completes the step the engine failed on (a script, a rule, a timer) without running it, then
  runs on (a boundary timer whose time cannot be computed is dropped instead: its activity goes on).
  Meaningful only when the failure is in a step the engine runs by itself. An incident raised by a
  person's completion keeps the state before that completion, without the person's answers: the
  engine has nothing to skip there, so skipping is refused and a retry hands the task back.
- **Edit data** changes the top-level data the next steps read: every unfinished task's data (the ready,
  waiting and started tasks the engine goes on from, and the tasks not reached yet), as
  view.update_data does for a running instance. Only an incident's or a suspended instance's.
- **Terminate** stops an instance for good: every one of its human tasks still open (ready, blocked
  by the incident, or suspended) is cancelled, so nothing stays in any inbox; its timers stop.

Each is audited; nothing here commits.
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins import BoundaryEventMixin
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from ..audit import services as audit
from ..audit.models import AuditEvent
from ..db import utcnow
from ..extensions import db
from . import store
from .errors import EngineError, InstanceIncidentError, TaskNotFoundError, TaskNotReadyError
from .forms import RESERVED_NAMES
from .models import InstanceState, ProcessInstance
from .restricted import ALLOWED_BUILTIN_NAMES, HELPER_NAMES
from .state import SERIALIZER, dump_live, dump_state, load_state, next_timer, spec_for, visited_nodes
from .steps import current_data, mark_incident, ready_manual, run_engine, save
from .titles import timer_due

MAX_DATA_BYTES = 256 * 1024
EDITABLE = (InstanceState.INCIDENT, InstanceState.SUSPENDED)
TERMINABLE = (InstanceState.INCIDENT, InstanceState.SUSPENDED, InstanceState.RUNNING)
_UNFINISHED = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.FUTURE | TaskState.LIKELY
_FRONTIER = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class RepairRefusedError(EngineError):
    """A repair was refused; `reason` is a code the web layer words (`person_step`, `bad_json` …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class SkipResult:
    """What a skip did: the step skipped, and the new incident's reason if the next step failed too."""

    element: str
    next_incident: str | None
    name: str = ""  # the element's name in the diagram (准备), else its id


def _locked(instance_id: int, allowed: tuple[str, ...]) -> store.InstanceRow:
    row = store.lock_instance(instance_id)
    if row is None:
        raise TaskNotFoundError(str(instance_id))
    if row.status not in allowed:
        raise TaskNotReadyError(row.status)
    return row


def _failed_task(exc: BaseException) -> Any:
    """The SpiffWorkflow task an engine failure names (WorkflowTaskException.task), if any."""
    seen: BaseException | None = exc
    for _depth in range(10):
        if seen is None:
            return None
        task = getattr(seen, "task", None)
        if task is not None:
            return task
        seen = seen.__cause__ or seen.__context__
    return None


def _clear_incident(instance_id: int) -> None:
    db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .values(incident=None)
        .execution_options(synchronize_session=False)
    )


def skip_failed_step(instance_id: int, actor_id: int | None, reason: str) -> SkipResult:
    """Complete the engine step an incident failed on without running it, run on, save; never commits.

    The state right after the skip is what is kept if the next step fails too (a new incident), so a
    second skip goes on from there.
    """
    if not reason.strip():
        raise RepairRefusedError("no_reason")
    row = _locked(instance_id, (InstanceState.INCIDENT,))
    built = spec_for(row)
    workflow = load_state(row.state, built)
    ready_before = ready_manual(workflow)
    error = row.incident
    try:
        run_engine(workflow, row.id)
    except InstanceIncidentError as exc:
        task = _failed_task(exc)
    else:
        raise RepairRefusedError("person_step")  # the engine ran through: the failure was in a person's completion
    if task is None:
        raise RepairRefusedError("no_step")
    if task.task_spec.manual:
        raise RepairRefusedError("person_step")
    element = str(task.task_spec.bpmn_id or task.task_spec.name)
    name = str(getattr(task.task_spec, "bpmn_name", None) or element)
    if isinstance(task.task_spec, BoundaryEventMixin):
        task.cancel()  # a boundary timer that cannot be set: the activity goes on without it (never "fired")
    else:
        task.complete()
    checkpoint = dump_state(workflow)
    next_incident = None
    try:
        run_engine(workflow, row.id)
    except InstanceIncidentError as exc:
        next_incident = exc.reason
        workflow = load_state(checkpoint, built)
    save(row, workflow, ready_before)
    if next_incident is not None:
        mark_incident(row, next_incident, actor_id)
    else:
        _clear_incident(row.id)
    audit.record(
        "instance.skip",
        "process_instance",
        row.id,
        actor_id,
        element=element,
        name=name,
        reason=reason.strip(),
        error=error,
        next_incident=next_incident,
    )
    return SkipResult(element, next_incident, name)


def engine_step_pending(workflow: BpmnWorkflow) -> bool:
    """Tell whether the engine has a step of its own to run now (so an incident can be one it could skip).

    A person's failed completion leaves only people's tasks ready (and timers not yet due).
    """
    now = utcnow()
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if task.state == TaskState.READY and not task.task_spec.manual:
            return True
        due = timer_due(task) if task.state == TaskState.WAITING else None
        if due is not None and due <= now:
            return True
    return False


def incident_summary(instance_id: int) -> tuple[dict[str, Any], bool]:
    """An incident's current data, and whether its failed step is one of the engine's (so it may be skipped)."""
    row = db.session.get(ProcessInstance, instance_id)
    if row is None:
        raise TaskNotFoundError(str(instance_id))
    workflow = load_state(row.state, spec_for(row))
    return current_data(workflow), engine_step_pending(workflow)


def frontier_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The data the instance goes on with: that of its ready, waiting or started task changed last."""
    live = workflow.get_tasks(state=_FRONTIER)
    if not live:
        return current_data(workflow)
    return dict(max(live, key=lambda t: t.last_state_change).data)


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The data as JSON shows it (amounts and dates as text), for the edit form and the comparison."""
    loaded = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    return loaded if isinstance(loaded, dict) else {}


def editable_data(instance_id: int) -> dict[str, Any]:
    """The data an analyst may edit: an incident's or a suspended instance's frontier data, as JSON."""
    row = db.session.get(ProcessInstance, instance_id)
    if row is None:
        raise TaskNotFoundError(str(instance_id))
    if row.status not in EDITABLE:
        raise TaskNotReadyError(row.status)
    return as_json(frontier_data(load_state(row.state, spec_for(row))))


def parse_data(text: str) -> dict[str, Any]:
    """The analyst's JSON: an object of at most 256 KB whose keys are names a script can use."""
    if len(text.encode("utf-8")) > MAX_DATA_BYTES:
        raise RepairRefusedError("too_large")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise RepairRefusedError("bad_json", str(exc)) from exc
    if not isinstance(value, dict):
        raise RepairRefusedError("not_object")
    for key in value:
        if not key.isidentifier() or keyword.iskeyword(key) or key.startswith("_"):
            raise RepairRefusedError("bad_key", key)
        if key in ALLOWED_BUILTIN_NAMES or key in HELPER_NAMES:
            raise RepairRefusedError("bad_key", key)
    return value


def edit_data(instance_id: int, text: str, actor_id: int | None) -> list[str]:
    """Replace an incident's or suspended instance's data with the analyst's; return the changed keys.

    Only keys that differ from what was shown change (set, added or removed), on every unfinished task,
    so branch-specific data elsewhere (a department's item in a joint sign-off) stays. The platform's own
    keys (who signed, the task, the department) cannot be changed here. Never commits.
    """
    wanted = parse_data(text)
    row = _locked(instance_id, EDITABLE)
    workflow = load_state(row.state, spec_for(row))
    shown = as_json(frontier_data(workflow))
    changed = sorted(k for k in wanted if k not in shown or shown[k] != wanted[k])
    removed = sorted(k for k in shown if k not in wanted)
    touched_reserved = sorted(set(changed + removed) & RESERVED_NAMES)
    if touched_reserved:
        raise RepairRefusedError("reserved", "、".join(touched_reserved))
    if not changed and not removed:
        return []
    for task in workflow.get_tasks(state=_UNFINISHED):
        for key in changed:
            task.data[key] = wanted[key]
        for key in removed:
            task.data.pop(key, None)
    for key in changed:
        workflow.data[key] = wanted[key]
    for key in removed:
        workflow.data.pop(key, None)
    visited = visited_nodes(workflow, row.visited)
    state, archived = dump_live(workflow)
    store.save_instance(row, state, SERIALIZER.VERSION, row.status, next_timer(workflow), visited)
    store.archive(row.id, [(a.task_guid, a.process_id, a.state) for a in archived])
    audit.record(
        "instance.data_edited",
        "process_instance",
        row.id,
        actor_id,
        before={k: shown[k] for k in changed + removed if k in shown},
        after={k: wanted[k] for k in changed},
        removed=removed,
    )
    return changed + removed


def terminate_instance(instance_id: int, actor_id: int | None, reason: str) -> int:
    """Stop an instance for good (an incident, suspended or running); its open tasks are cancelled; never commits.

    Returns how many human tasks were cancelled.
    """
    if not reason.strip():
        raise RepairRefusedError("no_reason")
    row = _locked(instance_id, TERMINABLE)
    before = row.status
    cancelled = store.cancel_instance(row)
    audit.record(
        "instance.terminated",
        "process_instance",
        row.id,
        actor_id,
        reason=reason.strip(),
        before=before,
        tasks=cancelled,
        incident=row.incident,
    )
    return cancelled


def termination(instance_id: int | None) -> str | None:
    """Why an instance was terminated (the reason its analyst gave), or None when it was not."""
    if instance_id is None:
        return None
    row = db.session.get(ProcessInstance, instance_id)
    if row is None or row.status != InstanceState.CANCELLED:
        return None
    detail = db.session.scalar(
        select(AuditEvent.detail)
        .where(
            AuditEvent.action == "instance.terminated",
            AuditEvent.object_type == "process_instance",
            AuditEvent.object_id == str(instance_id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return None if detail is None else str(detail.get("reason") or "")
