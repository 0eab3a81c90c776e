"""Start rq workers (with the scheduler) on this installation's queues."""

from __future__ import annotations

from flask import current_app

QUEUES = ("default",)


def run_worker(burst: bool = False) -> None:
    """Run one rq worker in the current application context."""
    from rq import Queue, Worker

    from zerolegwork.jobs import queue_name, redis_connection

    cfg = current_app.config["ZLW"]
    if not cfg.redis_url:
        raise SystemExit("ZLW_REDIS_URL is not set; without Redis jobs run in-process and no worker is needed")
    conn = redis_connection(blocking=True)
    queues = [Queue(queue_name(q), connection=conn) for q in QUEUES]
    Worker(queues, connection=conn).work(with_scheduler=True, burst=burst)
