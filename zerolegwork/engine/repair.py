"""Repairing instances (issue 14 item 5, in part): retry an incident; suspend and resume an instance.

An incident keeps the state the instance had before the step that failed (steps.mark_incident), and
its tasks are blocked. Retrying clears the mark and runs the engine again from that state: a step the
engine runs by itself (a script, a rule, a timer) is tried again, with the instance's current
version — so fix the diagram, deploy, move the instance to the fixed version (migrate.py), then
retry. If the failure was in a person's completion, the task is theirs to complete again. If the step
fails again, the instance stays an incident with the new reason.

A suspended instance's waiting tasks take the state `suspended`, so every inbox, count, claim and
completion (all of which look for `ready`) leaves them alone; its timers are not fired (the sweeps
take running instances only). Resuming gives them back as they were.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from .errors import ConcurrentUpdateError, InstanceIncidentError, TaskNotFoundError, TaskNotReadyError
from .models import HumanTask, HumanTaskState, InstanceState, ProcessInstance
from .state import load_state, spec_for
from .steps import mark_incident, ready_manual, run_engine, save
from .store import lock_instance


def retry_incident(instance_id: int, actor_id: int | None) -> str | None:
    """Clear the incident and run the engine again; None when it now runs, else the new reason (never commits)."""
    row = lock_instance(instance_id)
    if row is None:
        raise TaskNotFoundError(str(instance_id))
    if row.status != InstanceState.INCIDENT:
        raise TaskNotReadyError(row.status)
    before = row.incident
    workflow = load_state(row.state, spec_for(row))
    ready_before = ready_manual(workflow)
    try:
        run_engine(workflow, row.id)
    except InstanceIncidentError as exc:
        mark_incident(row, exc.reason, actor_id)
        audit.record("instance.retry_failed", "process_instance", row.id, actor_id, before=before, after=exc.reason)
        return exc.reason
    row.status = InstanceState.RUNNING
    save(row, workflow, ready_before)
    db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == row.id)
        .values(incident=None)
        .execution_options(synchronize_session=False)
    )
    audit.record("instance.retry", "process_instance", row.id, actor_id, incident=before)
    return None


def _set_status(row: Any, status: str) -> None:
    done = db.session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == row.id, ProcessInstance.version == row.version)
        .values(status=status, version=row.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ConcurrentUpdateError(str(row.id))


def _move_tasks(instance_id: int, from_state: str, to_state: str) -> int:
    return int(
        db.session.execute(
            update(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.state == from_state)
            .values(state=to_state)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def suspend_instance(instance_id: int, actor_id: int | None, reason: str) -> int:
    """Hold a running instance: its waiting tasks leave every inbox, its timers wait; returns how many tasks."""
    return _hold(
        instance_id, actor_id, InstanceState.RUNNING, InstanceState.SUSPENDED, "instance.suspend", reason=reason
    )


def resume_instance(instance_id: int, actor_id: int | None) -> int:
    """Let a suspended instance run again: its tasks come back to the inbox; returns how many."""
    return _hold(instance_id, actor_id, InstanceState.SUSPENDED, InstanceState.RUNNING, "instance.resume")


_TASKS = {InstanceState.SUSPENDED: HumanTaskState.SUSPENDED, InstanceState.RUNNING: HumanTaskState.READY}


def _hold(instance_id: int, actor_id: int | None, before: str, after: str, action: str, **detail: Any) -> int:
    """Move an instance from `before` to `after` and its waiting tasks with it; audited; never commits."""
    row = lock_instance(instance_id)
    if row is None:
        raise TaskNotFoundError(str(instance_id))
    if row.status != before:
        raise TaskNotReadyError(row.status)
    _set_status(row, after)
    moved = _move_tasks(row.id, _TASKS[before], _TASKS[after])
    audit.record(action, "process_instance", row.id, actor_id, tasks=moved, **detail)
    return moved
