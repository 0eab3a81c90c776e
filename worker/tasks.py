"""The one rq job: run an outbox row inside an application context."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask


@lru_cache(maxsize=1)
def _app() -> Flask:
    from zerolegwork import create_app

    return create_app()


def preload() -> None:
    """Build the jobs' application in the worker before rq forks a work-horse per job, so each horse inherits it.

    Without it every horse built its own (create_app reads the diagrams and forms: ~1.5 s) for every job.
    The application opens no database connection while it is built, so nothing shared crosses the fork.
    """
    _app()


def run_outbox_job(outbox_id: int) -> bool:
    """Run outbox row `outbox_id` once; a row already done is skipped (idempotent)."""
    from zerolegwork import jobs
    from zerolegwork.extensions import db

    app = _app()
    with app.app_context():
        try:
            return jobs.execute(outbox_id)
        finally:
            db.session.remove()
