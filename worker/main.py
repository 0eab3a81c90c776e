"""Start rq workers (with the scheduler) on this installation's queues."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

# every queue a job is enqueued on (jobs.enqueue(queue=…)): default, and mail for the e-mails of notify/mail.py
QUEUES = ("default", "mail")
REDIS_WAIT_INTERVAL = 2.0

log = logging.getLogger(__name__)


def wait_for_redis(
    conn: Any,
    attempts: int | None = None,
    interval: float = REDIS_WAIT_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Ping Redis until it answers (at most `attempts` times; None: for ever); return whether it did.

    A worker started before Redis (a reboot, a Redis restart, containers started in any order) waits
    instead of crashing: the jobs wait in the outbox meanwhile, and nothing is lost.
    """
    from redis.exceptions import RedisError

    tried = 0
    while True:
        try:
            conn.ping()
            if tried:
                log.warning("Redis answers again after %d attempt(s); starting the worker", tried)
            return True
        except (RedisError, OSError) as exc:
            tried += 1
            if tried == 1 or tried % 30 == 0:
                log.warning("Redis does not answer (%s); the worker waits for it", exc)
            if attempts is not None and tried >= attempts:
                return False
            sleep(interval)


def run_worker(burst: bool = False, queues: tuple[str, ...] = ()) -> None:
    """Run one rq worker on `queues` (default: all of QUEUES) in the current application context, once Redis answers."""
    from rq import Queue, Worker

    from zerolegwork.jobs import queue_name, redis_connection

    cfg = current_app.config["ZLW"]
    if not cfg.redis_url:
        raise SystemExit("ZLW_REDIS_URL is not set; without Redis jobs run in-process and no worker is needed")
    unknown = sorted(set(queues) - set(QUEUES))
    if unknown:
        raise SystemExit(f"no such queue: {', '.join(unknown)} (queues: {', '.join(QUEUES)})")
    conn = redis_connection(blocking=True)
    wait_for_redis(conn)
    listened = [Queue(queue_name(q), connection=conn) for q in queues or QUEUES]
    from worker.tasks import preload

    preload()
    Worker(listened, connection=conn).work(with_scheduler=True, burst=burst)
