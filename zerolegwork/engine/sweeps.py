"""What the timer sweep advances: due boundary timers, and 备案 (filing) tasks whose time passed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from . import store
from .errors import InstanceIncidentError
from .forms import validate_answers
from .models import HumanTask, HumanTaskState, InstanceState, ProcessInstance
from .routing import today_local
from .state import load_state, spec_for
from .steps import StepResult, complete_engine_task, current_data, mark_incident, ready_manual, run_engine, save

# a 备案 (filing) task nobody objected to within its time limit is acknowledged in this name
SYSTEM_SIGNER = "系统（备案期满）"
FILING_ACKNOWLEDGED = "备案期满，无异议，自动确认。"


def acknowledge_filing(human_task_id: int, now: datetime | None = None) -> StepResult | None:
    """A 备案 (filing) task whose time passed without objection completes by itself; None if not due."""
    now = now or utcnow()
    locked = store.lock_instance_with_task(human_task_id, 0, today_local())
    if locked is None:
        return None
    instance, ht, _standing = locked
    if (
        ht.state != HumanTaskState.READY
        or ht.mode != "filing"
        or ht.due_at is None
        or ht.due_at > now
        or instance.status != InstanceState.RUNNING
    ):
        return None
    built = spec_for(instance)
    form_fields = {f["name"] for f in built.forms[ht.form_key]["fields"]}
    answers = {"decision": "approve", "opinion": FILING_ACKNOWLEDGED}
    clean = validate_answers(built.forms[ht.form_key], {k: v for k, v in answers.items() if k in form_fields})
    clean.update(
        signed_by=SYSTEM_SIGNER,
        signed_by_id=None,
        signed_at=now.isoformat(timespec="seconds"),
        org_name="",
        task=ht.bpmn_id,
        acknowledged_by_lapse=True,
    )
    return complete_engine_task(instance, built, ht, clean, None, None)


def advance_timers(instance_id: int, now: datetime | None = None) -> StepResult | None:
    """Fire the due timers of one instance; None when another sweep holds it or nothing is due."""
    now = now or utcnow()
    instance = store.lock_instance(instance_id, skip_locked=True)
    if (
        instance is None
        or instance.status != InstanceState.RUNNING
        or instance.next_timer_at is None
        or instance.next_timer_at > now
    ):
        return None
    built = spec_for(instance)
    workflow = load_state(instance.state, built)
    previous = current_data(workflow)
    ready_before = ready_manual(workflow)
    try:
        run_engine(workflow, instance.id)
    except InstanceIncidentError as exc:
        mark_incident(instance, exc.reason, None)
        return None
    ids = save(instance, workflow, ready_before)
    audit.record("instance.timer", "process_instance", instance.id, None)
    return StepResult(instance.id, instance.status, instance.project_id, ids, current_data(workflow), previous)


def due_instances(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Ids of running instances whose next timer is due."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(ProcessInstance.id)
            .where(ProcessInstance.status == InstanceState.RUNNING, ProcessInstance.next_timer_at <= now)
            .order_by(ProcessInstance.next_timer_at)
            .limit(limit)
        )
    )


def due_filings(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Ids of ready 备案 (filing) tasks whose time limit has passed."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(HumanTask.id)
            .where(HumanTask.state == HumanTaskState.READY, HumanTask.mode == "filing", HumanTask.due_at <= now)
            .order_by(HumanTask.due_at)
            .limit(limit)
        )
    )


def overdue_to_escalate(now: datetime | None = None, limit: int = 200) -> list[int]:
    """Ids of ready approval/verification tasks past their due date that have not gone up a level yet."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(HumanTask.id)
            .where(
                HumanTask.state == HumanTaskState.READY,
                HumanTask.mode.in_(("approval", "verification")),
                HumanTask.due_at <= now,
                HumanTask.escalated_at.is_(None),
            )
            .order_by(HumanTask.due_at)
            .limit(limit)
        )
    )


def _post_above(post_id: int) -> int | None:
    """The post of the same department at the nearest higher management level (督办: the superior)."""
    from ..orgs.models import MgmtLevel, Post

    current = db.session.execute(
        select(Post.org_id, MgmtLevel.rank).join(MgmtLevel, MgmtLevel.id == Post.level_id).where(Post.id == post_id)
    ).first()
    if current is None:
        return None
    return db.session.scalar(
        select(Post.id)
        .join(MgmtLevel, MgmtLevel.id == Post.level_id)
        .where(Post.org_id == current.org_id, MgmtLevel.rank > current.rank)
        .order_by(MgmtLevel.rank, Post.id)
        .limit(1)
    )


def escalate(human_task_id: int, now: datetime | None = None) -> StepResult | None:
    """An overdue task goes to the post above its current one (once); without a post above it is only flagged.

    The superior acts at this step in place of the post that let it lapse; the chain after it is kept.
    Returns a result naming the task when it moved (so people are told), None when nothing was due.
    """
    now = now or utcnow()
    locked = store.lock_instance_with_task(human_task_id, 0, today_local())
    if locked is None:
        return None
    instance, ht, _standing = locked
    if ht.state != HumanTaskState.READY or ht.due_at is None or ht.due_at > now or instance.status != "running":
        return None
    above = _post_above(ht.post_id) if ht.post_id is not None else None
    if not store.mark_escalated(ht.id, now):
        return None  # another sweep did it
    if above is not None and ht.post_id is not None:
        chain: list[int] = list(ht.chain or [ht.post_id])
        later = [p for p in chain[ht.chain_pos + 1 :] if p != above]
        store.set_chain(ht, [*chain[: ht.chain_pos], above, *later])
    audit.record("task.escalate", "human_task", ht.id, None, instance=instance.id, from_post=ht.post_id, to_post=above)
    return StepResult(instance.id, instance.status, instance.project_id, [ht.id])


def near_limit_to_warn(now: datetime | None = None, horizon_days: int = 14, limit: int = 500) -> list[HumanTask]:
    """Ready tasks with a due date within the next `horizon_days` calendar days that nobody was warned about."""
    from datetime import timedelta

    now = now or utcnow()
    return list(
        db.session.scalars(
            select(HumanTask)
            .where(
                HumanTask.state == HumanTaskState.READY,
                HumanTask.due_at.is_not(None),
                HumanTask.due_at <= now + timedelta(days=horizon_days),
                HumanTask.warned_at.is_(None),
            )
            .order_by(HumanTask.due_at)
            .limit(limit)
        )
    )
