"""Instance state: stored without the spec (kept once per content hash), restored with the restricted engine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from flask import current_app
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from ..extensions import db
from .errors import ProcessNotDeployedError
from .models import ProcessDefinition
from .scripting import make_script_engine
from .specs import BuiltSpec, build_spec
from .store import InstanceRow
from .titles import timer_due


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its spec; the spec lives once per hash in ProcessDefinition."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], built: BuiltSpec | None = None) -> BpmnWorkflow:  # type: ignore[override]
        assert built is not None, "a specless state needs its spec"
        dct = dict(dct, spec=None, subprocess_specs={})
        workflow = self.target_class(built.spec, built.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = SpeclessWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))


def dump_state(workflow: BpmnWorkflow) -> str:
    """Serialize an instance's state (no spec) to JSON."""
    return str(SERIALIZER.serialize_json(workflow))


@dataclass(frozen=True)
class Archived:
    """A finished called process taken out of the live state: its calling task's id, process id, state JSON."""

    task_guid: str
    process_id: str
    state: str


# a task in one of these states never runs again
_DONE = TaskState.COMPLETED | TaskState.CANCELLED


def dump_live(workflow: BpmnWorkflow) -> tuple[str, list[Archived]]:
    """Serialize the live part of an instance's state; return it with the called processes that finished.

    Live state stays bounded however long the instance runs:
    - earlier visits of a loop (a returned round, last month's progress report) are dropped from the
      task tree (`prune_loops`): the tasks still to run keep their full data, the people's answers
      are in human_task and the audit, and the newest visit of every flow node stays;
    - a called process (call activity) that finished leaves the live state: its serialized
      sub-workflow is returned as an Archived to be written once (instance_archive), and the next
      load does not read it.
    The in-memory workflow keeps its finished sub-workflows, so the rest of this request sees them.
    """
    prune_loops(workflow)
    finished = finished_subprocesses(workflow)
    registry = SERIALIZER.registry
    encoder = SERIALIZER._encoder_cls  # the registry-aware JSON encoder serialize_json uses
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        archived = []
        for guid in finished:
            sub = dct["subprocesses"].pop(guid)
            archived.append(Archived(guid, str(sub.get("spec", "")), json.dumps(sub, cls=encoder)))
        return json.dumps(dct, cls=encoder), archived
    finally:
        registry._encoder_mode = False


_MI_CHILD = " [child]"


def visited_nodes(workflow: BpmnWorkflow, before: str | None) -> str:
    """`before` (an instance's recorded visits) with every flow node a task completed now, live sub-workflows
    included: "process_id element_id" per line, sorted. Call it before loops are pruned."""
    seen = set(before.splitlines()) if before else set()
    for wf in (workflow, *workflow.subprocesses.values()):
        process_id = wf.spec.name
        for task in wf.tasks.values():
            if task.state == TaskState.COMPLETED:
                name = task.task_spec.name
                seen.add(f"{process_id} {name.removesuffix(_MI_CHILD)}")
    return "\n".join(sorted(seen))


def finished_subprocesses(workflow: BpmnWorkflow) -> list[str]:
    """The ids of the calling tasks whose called process finished and will not run again."""
    out = []
    for guid, sub in workflow.subprocesses.items():
        caller = workflow.get_task_from_id(guid)
        if sub.completed and caller is not None and caller.has_state(_DONE):
            out.append(str(guid))
    return out


def prune_loops(workflow: BpmnWorkflow) -> int:
    """Drop finished earlier visits of loops from every live task tree; return how many tasks went.

    A task goes when it is completed, is not its workflow's last task, its flow node is visited
    again further down its own line (so it is an earlier visit), and every other child of it is a
    finished leaf (the departments of an earlier round's multi-instance, a cancelled boundary timer).
    Its continuing child takes its place under its parent; tasks hold their full data in memory, so
    no data a later step reads is lost (the stored delta is recomputed against the new parent).
    Parallel joins inside a loop look at the immediate parents of join tasks and at descent between
    tasks, both unchanged for the tasks that stay.
    """
    dropped = 0
    for wf in (workflow, *[sp for sp in workflow.subprocesses.values() if not sp.completed]):
        dropped += _prune(wf)
    return dropped


def _prune(wf: Any) -> int:
    tasks = wf.tasks
    # the flow nodes visited below each task (its descendants' specs), bottom-up
    order: list[Any] = []
    stack = [wf.task_tree]
    while stack:
        t = stack.pop()
        order.append(t)
        stack.extend(t.children)
    below: dict[UUID, set[str]] = {}
    for t in reversed(order):
        seen: set[str] = set()
        for c in t.children:
            seen.add(c.task_spec.name)
            seen |= below[c.id]
        below[t.id] = seen
    last = wf.last_task.id if wf.last_task is not None else None
    dropped = 0
    for t in order:
        parent = t.parent
        if parent is None or t.id == last or t.state != TaskState.COMPLETED or t.id not in tasks:
            continue
        children = t.children
        going_on = [c for c in children if c._children or not c.has_state(_DONE)]
        if len(going_on) != 1:
            continue
        (child,) = going_on
        if t.task_spec.name not in below[child.id] | {child.task_spec.name}:
            continue
        for c in children:
            if c is not child:
                del tasks[c.id]
        parent._children = [child.id if cid == t.id else cid for cid in parent._children]
        child._parent = parent.id
        del tasks[t.id]
        dropped += len(children)
    return dropped


def find_task(workflow: BpmnWorkflow, task_guid: str) -> Any:
    """The task with this id in the live state (any live sub-workflow), or None: archived or pruned tasks are not."""
    guid = UUID(task_guid)
    for wf in (workflow, *workflow.subprocesses.values()):
        if guid in wf.tasks:
            return wf.tasks[guid]
    return None


def load_state(state: str, built: BuiltSpec) -> BpmnWorkflow:
    """Restore a workflow from its stored state and its spec, with the restricted engine attached."""
    dct = json.loads(state)
    dct.pop(SERIALIZER.VERSION_KEY, None)
    workflow = SERIALIZER.registry.restore(dct, built=built)
    workflow.script_engine = script_engine()
    return workflow


def spec_for(instance: InstanceRow | Any) -> BuiltSpec:
    """Return the parsed spec an instance (row or model) is pinned to, cached by content hash."""
    return build_spec(instance.process_id, instance.spec_hash, lambda: _bundle(instance.definition_id))


def _bundle(definition_id: int) -> dict[str, Any]:
    d = db.session.get(ProcessDefinition, definition_id)
    if d is None:
        raise ProcessNotDeployedError(str(definition_id))
    _versions[d.id] = d.version
    return d.bundle


# definition id → version number; a version's number never changes, so this cache needs no expiry
_versions: dict[int, int] = {}


def version_of(instance: InstanceRow | Any) -> tuple[str, int]:
    """The name of the process an instance runs and its version number (read once per definition)."""
    number = _versions.get(instance.definition_id)
    if number is None:
        number = db.session.scalar(
            select(ProcessDefinition.version).where(ProcessDefinition.id == instance.definition_id)
        )
        if number is None:
            raise ProcessNotDeployedError(str(instance.definition_id))
        _versions[instance.definition_id] = number
    return spec_for(instance).spec.description or instance.process_id, number


def restore(instance: InstanceRow | Any) -> BpmnWorkflow:
    """Restore an instance's workflow from its stored state and the spec it is pinned to."""
    return load_state(instance.state, spec_for(instance))


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time of the workflow's waiting timer events (stored as next_timer_at)."""
    due = [when for t in workflow.get_tasks(state=TaskState.WAITING) if (when := timer_due(t)) is not None]
    return min(due) if due else None


def script_engine() -> Any:
    """The restricted script engine for the app's limits (one per setting, shared by every instance)."""
    cfg = current_app.config["ZLW"]
    return _cached_engine(cfg.script_time_limit, cfg.script_max_range, cfg.script_memory_mb, cfg.script_workers)


@lru_cache(maxsize=8)
def _cached_engine(time_limit: float, max_range: int, memory_mb: int, workers: int) -> Any:
    # The restricted environment keeps no per-run state, so one engine serves every instance.
    return make_script_engine(time_limit, max_range, memory_mb, workers)
