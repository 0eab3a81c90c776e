"""Repairing an instance that became an incident (issue 14 item 5, in part): retry it.

An incident keeps the state the instance had before the step that failed (steps.mark_incident), and
its tasks are blocked. Retrying clears the mark and runs the engine again from that state: a step the
engine runs by itself (a script, a rule, a timer) is tried again, with the instance's current
version — so fix the diagram, deploy, move the instance to the fixed version (migrate.py), then
retry. If the failure was in a person's completion, the task is theirs to complete again. If the step
fails again, the instance stays an incident with the new reason.
"""

from __future__ import annotations

from sqlalchemy import update

from ..audit import services as audit
from ..extensions import db
from .errors import InstanceIncidentError, TaskNotFoundError, TaskNotReadyError
from .models import InstanceState, ProcessInstance
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
