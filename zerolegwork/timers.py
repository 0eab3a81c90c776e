"""The timer sweep: advance instances whose timers are due, each in its own transaction."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask

from . import jobs
from .audit import chain as audit_chain
from .engine import sweeps
from .engine.errors import ConcurrentUpdateError, InstanceIncidentError
from .extensions import db
from .orgs.security import purge_rate_limits
from .projects import services as projects

log = logging.getLogger(__name__)


def sweep(now: datetime | None = None) -> int:
    """Fire due timers once each; safe to run in several processes at once. Returns instances advanced."""
    advanced = 0
    ids = sweeps.due_instances(now)
    db.session.rollback()
    for instance_id in ids:
        try:
            result = sweeps.advance_timers(instance_id, now)
            if result is not None:
                projects.follow_outcome(result.project_id, result.data, result.previous_data)
                advanced += 1
            db.session.commit()
        except ConcurrentUpdateError:
            db.session.rollback()  # another sweep advanced it first
        jobs.dispatch_committed()
    advanced += _acknowledge_filings(now)
    audit_chain.seal(wait=False)  # chain the events written since the last sweep; skip if another process seals
    db.session.commit()
    return advanced


def _acknowledge_filings(now: datetime | None) -> int:
    """备案 (filing) tasks whose time passed without objection complete by themselves, each committed alone."""
    done = 0
    ids = sweeps.due_filings(now)
    db.session.rollback()
    for task_id in ids:
        try:
            result = sweeps.acknowledge_filing(task_id, now)
            if result is not None:
                projects.follow_outcome(result.project_id, result.data, result.previous_data)
                done += 1
            db.session.commit()
        except ConcurrentUpdateError:
            db.session.rollback()
        except InstanceIncidentError:
            db.session.commit()  # the incident mark is kept
        jobs.dispatch_committed()
    return done


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
