"""What pages show of an instance: where it stands in its diagram, the diagram itself; and data updates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.util.task import TaskState

from ..audit import services as audit
from ..extensions import db
from . import store
from .errors import TaskNotFoundError, TaskNotReadyError
from .models import HumanTask, InstanceState, ProcessDefinition, ProcessInstance
from .state import SERIALIZER, dump_live, find_task, next_timer, restore, spec_for, visited_nodes
from .titles import display_xml

# the state of a flow node as pages name it
DONE, ACTIVE, PENDING = "done", "active", "pending"


def positions(instance_id: int) -> dict[str, str]:
    """Each flow node of the top-level process by id: done, active (waiting for people or a called process), pending."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise TaskNotFoundError(str(instance_id))
    return _positions_of(restore(instance))


def task_diagram(human_task: HumanTask) -> dict[str, Any]:
    """The diagram of the process a human task belongs to (a called process too), with where that process stands."""
    instance = human_task.instance
    workflow = restore(instance)
    # an item of a large multi-instance stands where its multi-instance task waits
    task = find_task(workflow, human_task.item_of or human_task.task_guid)
    if task is not None:
        process_id, where = str(task.workflow.spec.name), _positions_of(task.workflow)
    else:
        found = _archived_part(instance, human_task.task_guid)
        if found is None:  # an earlier visit of a loop, pruned from the live state
            return {"xml": diagram_xml(instance.id), "positions": {}, "process": instance.process_id}
        process_id, where = found
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    xml = definition.bundle.get("bpmn", {}).get(f"{process_id}.bpmn") or _file_defining(definition.bundle, process_id)
    return {"xml": display_xml(xml), "positions": where, "process": process_id}


def _archived_part(instance: Any, task_guid: str) -> tuple[str, dict[str, str]] | None:
    """The archived called process holding a task, with where it stood when it finished."""
    for _caller, process_id, state in store.archived(instance.id):
        dct = json.loads(state)
        if task_guid not in dct.get("tasks", {}):
            continue
        spec = spec_for(instance).subprocess_specs.get(process_id)
        out: dict[str, str] = {}
        for t in dct["tasks"].values():
            task_spec = spec.task_specs.get(t["task_spec"]) if spec is not None else None
            _mark(out, getattr(task_spec, "bpmn_id", None), int(t["state"]))
        return process_id, out
    return None


def _file_defining(bundle: Mapping[str, Any], process_id: str) -> str:
    for xml in bundle.get("bpmn", {}).values():
        if f'id="{process_id}"' in xml:
            return str(xml)
    return ""


def _positions_of(workflow: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for task in workflow.get_tasks(skip_subprocesses=True):
        _mark(out, getattr(task.task_spec, "bpmn_id", None), task.state)
    return out


def _mark(out: dict[str, str], bpmn_id: str | None, task_state: int) -> None:
    if not bpmn_id:
        return
    if task_state == TaskState.COMPLETED:
        state = DONE
    elif task_state in (TaskState.READY, TaskState.STARTED, TaskState.WAITING):
        state = ACTIVE
    else:
        state = PENDING
    # a loop visits a node more than once: the latest visit that is not pending wins
    if out.get(bpmn_id) != ACTIVE and (state != PENDING or bpmn_id not in out):
        out[bpmn_id] = state


def diagram_xml(instance_id: int) -> str:
    """The BPMN XML of the file that defines the instance's top-level process (the version it runs on), labelled."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise TaskNotFoundError(str(instance_id))
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    files: Mapping[str, str] = definition.bundle.get("bpmn", {})
    for name, xml in files.items():
        if name.rsplit("/", 1)[-1] == f"{instance.process_id}.bpmn":
            return display_xml(xml)
    return display_xml(next(iter(files.values()), ""))


def update_data(instance_id: int, values: Mapping[str, Any], actor_id: int | None) -> int:
    """Set top-level keys on every unfinished task of a running instance, so steps not yet reached read them.

    Returns how many tasks were touched; never commits.
    """
    instance = store.lock_instance(instance_id)
    if instance is None:
        raise TaskNotFoundError(str(instance_id))
    if instance.status != InstanceState.RUNNING:
        raise TaskNotReadyError(instance.status)
    workflow = restore(instance)
    unfinished = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.FUTURE | TaskState.LIKELY
    touched = 0
    for task in workflow.get_tasks(state=unfinished):
        task.data.update(values)
        touched += 1
    workflow.data.update(values)
    visited = visited_nodes(workflow, instance.visited)
    state, archived = dump_live(workflow)
    store.save_instance(instance, state, SERIALIZER.VERSION, instance.status, next_timer(workflow), visited)
    store.archive(instance.id, [(a.task_guid, a.process_id, a.state) for a in archived])
    audit.record("instance.data", "process_instance", instance.id, actor_id, keys=sorted(values))
    return touched
