"""Start, load, complete and persist process instances; keep the HumanTask index in step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from .. import jobs
from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from . import store
from .deploy import live_definition
from .errors import (
    InstanceIncidentError,
    NotAllowedToActError,
    ProcessNotDeployedError,
    TaskNotFoundError,
    TaskNotReadyError,
)
from .forms import validate_answers, with_choices
from .items import item_data
from .models import HumanTask, HumanTaskState, InstanceState, ProcessDefinition, ProcessInstance
from .routing import Actor, today_local
from .specs import build_spec
from .state import SERIALIZER, dump_state, find_task, load_state, restore, script_engine, spec_for
from .steps import StepResult, complete_engine_task, current_data, mark_incident, run_engine, save
from .store import InstanceRow

__all__ = ["AnswerCheck", "StepResult", "complete_task", "dump_state", "load_state", "start_instance"]


# a domain check on validated answers before anything changes: (form, answers, project id) -> raises to refuse
AnswerCheck = Callable[[Mapping[str, Any], dict[str, Any], int | None], None]


def latest_definition(process_id: str) -> ProcessDefinition:
    """Return the newest deployed definition of a process."""
    d = live_definition(process_id)
    if d is None:
        raise ProcessNotDeployedError(process_id)
    return d


def start_instance(
    process_id: str, data: Mapping[str, Any], actor_id: int | None = None, project_id: int | None = None
) -> StepResult:
    """Start the newest version of a process with `data` on its root task; flush, never commit."""
    definition = latest_definition(process_id)
    built = build_spec(process_id, definition.sha256, lambda: definition.bundle)
    workflow = BpmnWorkflow(built.spec, built.subprocess_specs, script_engine=script_engine())
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
        run_engine(workflow, instance_id)
    except InstanceIncidentError as exc:
        exc.instance_id = instance_id
        mark_incident(instance, exc.reason, actor_id)
        raise
    ids = save(instance, workflow, {})
    audit.record("instance.start", "process_instance", instance_id, actor_id, process=process_id)
    return StepResult(instance_id, instance.status, project_id, ids, current_data(workflow))


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
    built = spec_for(instance)
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
    result = complete_engine_task(instance, built, ht, clean, actor.id, behalf)
    result.record, result.answers, result.task_id = form.get("record"), clean, ht.id
    return result


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
    return current_data(restore(instance))


def task_context(ht: HumanTask) -> dict[str, Any]:
    """Return the data a person sees on a task page (the task's own data)."""
    instance = ht.instance
    workflow = restore(instance)
    if ht.item_of is not None:  # an item of a large multi-instance: the task's data with the item's variable
        mi = find_task(workflow, ht.item_of)
        return item_data(mi, ht.item_index or 0) if mi is not None else {}
    task = find_task(workflow, ht.task_guid)
    return dict(task.data) if task is not None else {}


def instance_forms(ht: HumanTask) -> dict[str, Any]:
    """Every form of the version the task's instance runs, by form key (as deployed: no options read)."""
    return dict(spec_for(ht.instance).forms)


def task_form(ht: HumanTask) -> dict[str, Any]:
    """Return the form definition pinned by the task's instance, dictionary-backed options read now."""
    return with_choices(spec_for(ht.instance).forms[ht.form_key])
