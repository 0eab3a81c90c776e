"""Advancing an instance: run engine steps, save its state and the task index, mark incidents.

Shared by the runtime (start, complete) and the timer sweeps; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .. import jobs
from ..audit import services as audit
from . import items, store
from .catalog import form_key_of
from .clock import set_due_dates
from .errors import InstanceIncidentError, ScriptCapacityError, TaskNotReadyError
from .models import HumanTaskState, InstanceState
from .routing import DEFAULT_MODE, chains_for, org_for_task
from .sandbox import SandboxUnavailableError
from .specs import BuiltSpec
from .state import SERIALIZER, dump_live, find_task, load_state, next_timer, spec_for, visited_nodes
from .store import InstanceRow
from .titles import boundary_deadline, is_unit_step, task_title


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


def ready_manual(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The ready tasks people must do, by task id; a large multi-instance whose items they do counts as one."""
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    ready.update(items.waiting_multi_instances(workflow))
    return ready


def current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance's current data: its end data once completed, else the data of the task completed last."""
    if workflow.is_completed():
        return dict(workflow.data)
    # the task completed last anywhere in the instance: a step inside a call activity (e.g. the
    # sign-off called by the lifecycle) sets project_state in its own sub-workflow's data
    done = [w.last_task for w in (workflow, *workflow.subprocesses.values()) if w.last_task is not None]
    last = max(done, key=lambda t: t.last_state_change, default=workflow.task_tree)
    return dict(last.data)


def run_engine(workflow: BpmnWorkflow, instance_id: int | None, before: Any = None) -> None:
    """Run engine steps; any failure of diagram code becomes an InstanceIncidentError."""
    try:
        if before is not None:
            before()
        workflow.refresh_timers()
        workflow.do_engine_steps()
    except Exception as exc:  # diagram code failed: scripts, conditions, timers, DMN
        if _unavailable(exc):  # the code never ran: the matter is fine, the machine is busy
            raise ScriptCapacityError(str(exc)) from exc
        raise InstanceIncidentError(instance_id or 0, incident_reason(exc)) from exc


def _unavailable(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, SandboxUnavailableError):
            return True
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
        seen += 1
    return False


def incident_reason(exc: BaseException) -> str:
    """The incident's reason as people read it: the error and what caused it, at most 2,000 characters."""
    inner = getattr(exc, "exception", None) or exc.__cause__
    text = f"{type(exc).__name__}: {exc}"
    if inner is not None and str(inner) not in text:
        text += f" ({type(inner).__name__}: {inner})"
    return text[:2000]


def new_task_rows(instance: InstanceRow, guids: list[str], ready: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The task index rows of newly ready tasks: title, organisation, mode, chain, due date.

    A large multi-instance (engine/items.py) gives one row per item, each as its child task would have.
    """
    forms = spec_for(instance).forms if guids else {}
    rows = []
    for guid in guids:
        t = ready[guid]
        if items.is_detached(t):
            for view in items.item_views(t):
                row = _task_row(instance, view, view.guid, forms)
                row.update(item_of=guid, item_index=view.index)
                rows.append(row)
        else:
            rows.append(_task_row(instance, t, guid, forms))
    by_mode: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["mode"] is None:  # the project unit's own step: chains of posts are a department's
            row.update(chain=[], chain_pos=0, post_id=None)
            continue
        by_mode.setdefault(row["mode"], []).append(row)
    for mode, group in by_mode.items():
        chains = chains_for({r["org_code"] for r in group}, mode)
        for row in group:
            row["chain"] = chains.get(row["org_code"], [])
            row["chain_pos"] = 0
            row["post_id"] = row["chain"][0] if row["chain"] else None
    set_due_dates([r for r in rows if r["chain"] and r["mode"]])
    return rows


def _task_row(instance: InstanceRow, t: Any, guid: str, forms: Mapping[str, Any]) -> dict[str, Any]:
    spec = t.task_spec
    org_code = org_for_task(spec.lane or "", t.data)
    unit_step = is_unit_step(org_code, t.data)
    return {
        "instance_id": instance.id,
        "task_guid": guid,
        "bpmn_id": spec.bpmn_id,
        "title": task_title(t, forms),
        "form_key": form_key_of(spec),
        "lane": spec.lane or "",
        "org_code": org_code,
        # a department's approval mode: per department (`modes`, from the routing table), else one for
        # all; the project unit's own steps have none (审批/核准/备案 is what departments do)
        "mode": None
        if unit_step
        else str((t.data.get("modes") or {}).get(org_code) or t.data.get("signoff_mode") or DEFAULT_MODE),
        "project_id": instance.project_id,
        # a unit's step is due when a timer on it says so (a boundary timer); a department's by its mode
        "due_at": boundary_deadline(t),
        "item_of": None,
        "item_index": None,
    }


def save(
    instance: InstanceRow,
    workflow: BpmnWorkflow,
    ready_before: Mapping[str, Any],
    done_guid: str | None = None,
) -> list[int]:
    """Write state, status, timer and the HumanTask changes; return the new human tasks' ids."""
    ready_after = ready_manual(workflow)
    status = InstanceState.COMPLETED if workflow.is_completed() else InstanceState.RUNNING
    visited = visited_nodes(workflow, instance.visited)
    state, archived = dump_live(workflow)
    store.save_instance(instance, state, SERIALIZER.VERSION, status, next_timer(workflow), visited)
    store.archive(instance.id, [(a.task_guid, a.process_id, a.state) for a in archived])
    gone = set(ready_before) - set(ready_after) - {done_guid}
    if gone:
        store.cancel_tasks(instance.id, gone)
    new = [g for g in ready_after if g not in ready_before]
    rows = new_task_rows(instance, new, ready_after)
    ids = items.insert_rows(rows)
    if ids is None:
        ids = store.insert_tasks(rows)
    if ids:
        jobs.enqueue("notify_tasks_ready", human_task_ids=ids)
    return ids


def mark_incident(instance: InstanceRow, reason: str, actor_id: int | None) -> None:
    store.mark_incident(instance, reason)
    audit.record("instance.incident", "process_instance", instance.id, actor_id, reason=reason)


def complete_engine_task(
    instance: InstanceRow,
    built: BuiltSpec,
    ht: store.TaskRow,
    clean: dict[str, Any],
    actor_id: int | None,
    behalf: int | None,
) -> StepResult:
    """Run the engine task with the answers, engine steps, save, mark the task done, audit."""
    if ht.item_of is not None:
        return _complete_item(instance, built, ht, clean, actor_id, behalf)
    workflow = load_state(instance.state, built)
    task = find_task(workflow, ht.task_guid)
    if task is None or task.state != TaskState.READY:
        raise TaskNotReadyError(HumanTaskState.COMPLETED)  # completed by a request that held the lock first
    previous = current_data(workflow)
    ready_before = ready_manual(workflow)
    if ht.chain_pos > 0:
        clean["levels"] = store.steps_of(ht.id)
    if ht.lane in task.data:
        clean[ht.lane] = task.data[ht.lane]

    def run_task() -> None:
        task.task_spec.add_data_from_form(task, clean)
        task.run()

    try:
        run_engine(workflow, instance.id, before=run_task)
    except InstanceIncidentError as exc:
        mark_incident(instance, exc.reason, actor_id)
        raise
    ids = save(instance, workflow, ready_before, done_guid=ht.task_guid)
    store.complete_task_row(ht.id, actor_id)
    audit_completion(instance, ht, clean, actor_id, behalf)
    return StepResult(instance.id, instance.status, instance.project_id, ids, current_data(workflow), previous)


def _complete_item(
    instance: InstanceRow,
    built: BuiltSpec,
    ht: store.TaskRow,
    clean: dict[str, Any],
    actor_id: int | None,
    behalf: int | None,
) -> StepResult:
    """Complete one item of a large multi-instance; the last one loads the state and runs the join first.

    The join runs before the last item's answers are written: when the diagram's code after it fails, the
    matter becomes an incident and the last item stays ready (nothing half-saved), as a child task would.
    """
    if ht.chain_pos > 0:
        clean["levels"] = store.steps_of(ht.id)
    if ht.lane:
        clean[ht.lane] = ht.org_code
    mi_guid = ht.item_of or ""
    result = StepResult(instance.id, instance.status, instance.project_id)
    if not items.others_open(ht):  # the last open item (or one a request that held the lock first completed)
        workflow = load_state(instance.state, built)
        mi = find_task(workflow, mi_guid)
        if mi is None or not items.is_detached(mi) or mi.state != TaskState.STARTED:
            raise TaskNotReadyError(HumanTaskState.COMPLETED)
        previous = current_data(workflow)
        ready_before = ready_manual(workflow)
        answers = {**items.item_answers(instance.id, mi_guid), ht.item_index or 0: clean}
        try:
            run_engine(workflow, instance.id, before=lambda: items.join(mi, answers))
        except InstanceIncidentError as exc:
            mark_incident(instance, exc.reason, actor_id)
            raise
        items.keep_answers(ht, actor_id, clean)
        ids = save(instance, workflow, ready_before)
        result = StepResult(instance.id, instance.status, instance.project_id, ids, current_data(workflow), previous)
    else:
        items.keep_answers(ht, actor_id, clean)
    audit_completion(instance, ht, clean, actor_id, behalf)
    return result


def audit_completion(
    instance: InstanceRow, ht: store.TaskRow, clean: dict[str, Any], actor_id: int | None, behalf: int | None
) -> None:
    """The one audit event of a completed task (or item): who, for whom, and the answers without internals."""
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
