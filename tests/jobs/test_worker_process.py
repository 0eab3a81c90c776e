"""`python -m worker`: the relay and the rq worker as one service, started and stopped as one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.jobs.support import (
    ROOT,
    SHARED_REDIS_URL,
    delete_installation_keys,
    descendants,
    is_alive,
    kill_tree,
    redis_client,
    wait_until,
    worker_env,
)
from zerolegwork import jobs
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState
from zerolegwork.notify.models import Notification

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_redis(pg_app: Flask) -> Iterator[Any]:
    conn = redis_client(SHARED_REDIS_URL)
    cfg = pg_app.config["ZLW"]
    cfg.redis_url = SHARED_REDIS_URL
    cfg.job_stale_seconds = 60  # no re-sends here: one rq job per row
    try:
        yield conn
    finally:
        delete_installation_keys(conn, cfg.queue_prefix)
        conn.close()


def _state(outbox_id: int) -> str:
    row = db.session.get(OutboxJob, outbox_id, populate_existing=True)
    db.session.rollback()
    return row.state if row else ""


def _running(queue: Any, outbox_id: int) -> bool:
    """True once a worker has taken the row's rq job (the worker is busy: SIGTERM now waits for it)."""
    return any(f"-outbox-{outbox_id}-" in job_id for job_id in queue.started_job_registry.get_job_ids())


def test_python_m_worker_relays_runs_and_stops_warmly_on_sigterm(pg_app, shared_redis, tmp_path: Path):
    from rq import Queue

    queue = Queue(jobs.queue_name("default"), connection=shared_redis)
    token = uuid.uuid4().hex
    row = jobs.enqueue("probe", seconds=3, token=token)
    db.session.commit()
    outbox_id = row.id
    db.session.info.pop("outbox_committed", None)  # not dispatched: left for the service's relay
    log_path = tmp_path / "service.log"
    with log_path.open("ab") as log:
        service = subprocess.Popen(
            [sys.executable, "-m", "worker"],
            cwd=ROOT,
            env=worker_env(pg_app, ZLW_SWEEP_INTERVAL="0.5"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    children: list[int] = []
    try:
        wait_until(lambda: _running(queue, outbox_id), 60, "the service to relay the job and start it")
        children = descendants(service.pid)
        assert len(children) >= 2, "a relay and a worker (with its scheduler and work-horse)"

        os.kill(service.pid, signal.SIGTERM)  # the service alone, as `docker stop` or `kill PID` do
        rc = service.wait(timeout=30)
        wait_until(lambda: not any(is_alive(pid) for pid in children), 30, "the service's processes to stop")
    finally:
        kill_tree(service)
        for pid in children:
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)
    log_text = log_path.read_text(errors="replace")[-4000:]
    assert rc == 0, log_text
    assert _state(outbox_id) == OutboxState.DONE, "warm shutdown: the running job finished first\n" + log_text
    count = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.org_code == "probe", Notification.message == token)
    )
    assert count == 1
