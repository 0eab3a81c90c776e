"""The timer sweep: advance instances whose timers are due, each in its own transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from . import jobs
from .audit import chain as audit_chain
from .engine import sweeps
from .engine.errors import ConcurrentUpdateError, InstanceIncidentError
from .engine.runtime import StepResult
from .extensions import db
from .orgs.security import purge_rate_limits
from .projects import services as projects

log = logging.getLogger(__name__)


def sweep(now: datetime | None = None) -> int:
    """Fire due timers and acknowledge lapsed 备案 tasks, once each; safe in several processes at once."""
    advanced = _each(sweeps.due_instances(now), sweeps.advance_timers, now)
    advanced += _each(sweeps.due_filings(now), sweeps.acknowledge_filing, now)
    advanced += _each(sweeps.overdue_to_escalate(now), _escalate, now)
    warn_near_limit(now)
    if current_app.config["ZLW"].finance_push_url:
        from .exchange import sender

        sender.schedule()  # pushes to the finance system that are due: one delivery job
    audit_chain.seal(wait=False)  # chain the events written since the last sweep; skip if another process seals
    db.session.commit()
    return advanced


def _escalate(task_id: int, now: datetime | None) -> StepResult | None:
    """An overdue task goes to the post above; its new holders (and the organisation) are told."""
    result = sweeps.escalate(task_id, now)
    if result is not None:
        jobs.enqueue("notify_tasks_ready", human_task_ids=[task_id], event="escalated")
    return result


def warn_near_limit(now: datetime | None = None) -> int:
    """Tell people once when a waiting task turns yellow (near its limit) or red; return how many were warned."""
    from sqlalchemy import update

    from .db import utcnow
    from .engine.models import HumanTask
    from .inbox.deadlines import warning_levels

    now = now or utcnow()
    db.session.rollback()
    tasks = sweeps.near_limit_to_warn(now)
    levels = warning_levels(tasks, now)
    warned = 0
    for task in tasks:
        if levels.get(task.id, "ok") == "ok":
            continue
        flagged = db.session.execute(
            update(HumanTask).where(HumanTask.id == task.id, HumanTask.warned_at.is_(None)).values(warned_at=now)
        ).rowcount
        if flagged:
            jobs.enqueue("notify_tasks_ready", human_task_ids=[task.id], event="near_limit")
            warned += 1
    db.session.commit()
    jobs.dispatch_committed()
    return warned


def _each(ids: list[int], step: Callable[[int, datetime | None], StepResult | None], now: datetime | None) -> int:
    """Run `step` on each id in a transaction of its own; the project follows; return how many moved."""
    db.session.rollback()
    moved = 0
    for object_id in ids:
        try:
            result = step(object_id, now)
            if result is not None:
                projects.follow_outcome(result.project_id, result.data, result.previous_data)
                moved += 1
            db.session.commit()
        except ConcurrentUpdateError:
            db.session.rollback()  # another sweep moved it first
        except InstanceIncidentError:
            db.session.commit()  # the incident mark is kept
        jobs.dispatch_committed()
    return moved


def start_background_sweeper(app: Flask, interval: float) -> threading.Event:
    """Run the sweep (and, without Redis, leftover outbox jobs) every `interval` seconds in a thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            with app.app_context():
                try:
                    sweep()
                    purge_rate_limits()
                    db.session.commit()
                    if app.config["ZLW"].redis_url:
                        jobs.relay()
                    else:
                        jobs.run_pending_inline()
                except Exception:
                    log.exception("sweep failed")
                finally:
                    db.session.remove()

    threading.Thread(target=loop, name="zlw-sweeper", daemon=True).start()
    return stop
