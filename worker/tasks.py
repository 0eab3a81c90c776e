"""The one rq job: run an outbox row inside an application context."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask


@lru_cache(maxsize=1)
def _app() -> Flask:
    from zerolegwork import create_app

    return create_app()


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
