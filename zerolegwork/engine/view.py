"""What pages show of an instance: where it stands in its diagram, the diagram itself; and data updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from ..audit import services as audit
from ..extensions import db
from . import store
from .errors import TaskNotFoundError, TaskNotReadyError
from .models import HumanTask, InstanceState, ProcessDefinition, ProcessInstance
from .state import SERIALIZER, dump_live, next_timer, restore

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
    task = workflow.get_task_from_id(UUID(human_task.task_guid))
    if task is None:
        return {"xml": diagram_xml(instance.id), "positions": {}, "process": instance.process_id}
    own = task.workflow
    process_id = str(own.spec.name)
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    xml = definition.bundle.get("bpmn", {}).get(f"{process_id}.bpmn") or _file_defining(definition.bundle, process_id)
    return {"xml": xml, "positions": _positions_of(own), "process": process_id}


def _file_defining(bundle: Mapping[str, Any], process_id: str) -> str:
    for xml in bundle.get("bpmn", {}).values():
        if f'id="{process_id}"' in xml:
            return str(xml)
    return ""


def _positions_of(workflow: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for task in workflow.get_tasks(skip_subprocesses=True):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            state = DONE
        elif task.state in (TaskState.READY, TaskState.STARTED, TaskState.WAITING):
            state = ACTIVE
        else:
            state = PENDING
        # a loop visits a node more than once: the latest visit that is not pending wins
        if out.get(bpmn_id) != ACTIVE and (state != PENDING or bpmn_id not in out):
            out[bpmn_id] = state
    return out


def diagram_xml(instance_id: int) -> str:
    """The BPMN XML of the file that defines the instance's top-level process (the version it runs on)."""
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise TaskNotFoundError(str(instance_id))
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    assert definition is not None
    files: Mapping[str, str] = definition.bundle.get("bpmn", {})
    for name, xml in files.items():
        if name.rsplit("/", 1)[-1] == f"{instance.process_id}.bpmn":
            return xml
    return next(iter(files.values()), "")


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
    state, archived = dump_live(workflow)
    store.save_instance(instance, state, SERIALIZER.VERSION, instance.status, next_timer(workflow))
    store.archive(instance.id, [(a.task_guid, a.process_id, a.state) for a in archived])
    audit.record("instance.data", "process_instance", instance.id, actor_id, keys=sorted(values))
    return touched
