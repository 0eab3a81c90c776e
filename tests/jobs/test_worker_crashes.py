"""Real rq workers and a real Redis: a killed worker, a Redis that goes away. No job is lost or run twice."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from tests.jobs.support import (
    SHARED_REDIS_URL,
    RedisServer,
    delete_installation_keys,
    descendants,
    is_alive,
    kill_tree,
    redis_client,
    run_burst_worker,
    start_worker,
    wait_until,
)
from zerolegwork import jobs
from zerolegwork.db import utcnow
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState
from zerolegwork.notify.models import Notification
from zerolegwork.projects.models import Project, ProjectState

pytestmark = pytest.mark.slow

STALE_SECONDS = 3
PROBE_SECONDS = 4


def _row(outbox_id: int) -> SimpleNamespace:
    """A snapshot of an outbox row, read in a transaction that ends at once (workers are running)."""
    row = db.session.get(OutboxJob, outbox_id, populate_existing=True)
    assert row is not None
    snapshot = SimpleNamespace(state=row.state, relay_count=row.relay_count, attempts=row.attempts)
    db.session.rollback()
    return snapshot


def _probe_count(token: str) -> int:
    n = int(
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.org_code == "probe", Notification.message == token)
        )
        or 0
    )
    db.session.rollback()
    return n


def _row_is_locked(outbox_id: int) -> bool:
    """True while another transaction (a running execute()) holds the row's lock."""
    with db.engine.connect() as conn:
        free = conn.execute(
            text("SELECT id FROM outbox_job WHERE id = :id FOR UPDATE SKIP LOCKED"), {"id": outbox_id}
        ).scalar()
        conn.rollback()
    return free is None


@pytest.fixture
def shared_redis(pg_app: Flask) -> Iterator[Any]:
    """`pg_app` relaying to the job tests' Redis database under its own prefix; its keys dropped after."""
    conn = redis_client(SHARED_REDIS_URL)
    cfg = pg_app.config["ZLW"]
    cfg.redis_url = SHARED_REDIS_URL
    cfg.job_stale_seconds = STALE_SECONDS
    try:
        yield conn
    finally:
        delete_installation_keys(conn, cfg.queue_prefix)
        conn.close()


def test_worker_killed_with_sigkill_mid_job_completes_after_restart(pg_app, shared_redis, tmp_path: Path):
    from rq import Queue

    token = uuid.uuid4().hex
    row = jobs.enqueue("probe", seconds=PROBE_SECONDS, token=token)
    db.session.commit()
    outbox_id = row.id
    assert jobs.dispatch_committed() == 1
    first_job_id = f"{pg_app.config['ZLW'].queue_prefix}-outbox-{outbox_id}-1"
    queue = Queue(jobs.queue_name("default"), connection=shared_redis)
    assert queue.job_ids == [first_job_id]

    log = (tmp_path / "workers.log").open("ab")
    workers = []
    try:
        workers.append(start_worker(pg_app, log))
        wait_until(
            lambda: first_job_id in queue.started_job_registry and _row_is_locked(outbox_id),
            30,
            "the worker to start the probe job",
        )
        # rq's work-horse calls os.setpgrp(): killing the worker's process group alone would leave it running.
        horses = [pid for pid in descendants(workers[0].pid) if os.getpgid(pid) != workers[0].pid]
        assert len(horses) == 1, "one work-horse, in a process group of its own"
        killed = kill_tree(workers[0])
        assert set(horses) <= set(killed)
        assert not any(is_alive(pid) for pid in killed)
        started = _row(outbox_id)
        assert (started.state, started.relay_count) == (OutboxState.SENT, 1)
        assert _probe_count(token) == 0, "killed mid-job: nothing written"
        # The abandoned job stays "started" in rq: rq alone would only notice after its heartbeat expired.
        assert first_job_id in queue.started_job_registry

        workers.append(start_worker(pg_app, log))
        resent = 0
        deadline = time.monotonic() + 60
        while _probe_count(token) == 0:
            assert time.monotonic() < deadline, "the probe never completed after the restart"
            resent += jobs.relay()
            time.sleep(0.5)
        assert resent >= 1
    finally:
        for proc in workers:
            kill_tree(proc)
        log.close()

    assert _probe_count(token) == 1
    done = _row(outbox_id)
    assert done.state == OutboxState.DONE
    assert done.relay_count == 1 + resent
    assert done.attempts == 1, "the killed run left no trace; the re-sent one ran once"
    assert jobs.relay() == 0


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_redis_down_keeps_jobs_in_outbox_and_they_run_when_back(pg_app, people, own_redis, tmp_path: Path):
    from rq import Queue

    cfg = pg_app.config["ZLW"]
    cfg.redis_url = own_redis.url
    cfg.job_stale_seconds = STALE_SECONDS
    project = people["projects"][0]
    client = pg_app.test_client()
    log_path = tmp_path / "workers.log"

    own_redis.kill()
    resp = client.post("/login", data={"username": "unit1", "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    import redis.connection

    attempts: list[float | None] = []
    connect = redis.connection.AbstractConnection.connect

    def counted_connect(self):  # type: ignore[no-untyped-def]
        attempts.append(self.socket_connect_timeout)
        return connect(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(redis.connection.AbstractConnection, "connect", counted_connect)
        resp = client.post(f"/projects/{project.id}/submit")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    # the request does not hang on the dead server: a few short connection attempts, then it gives up
    assert 1 <= len(attempts) <= 4, attempts
    assert all(t is not None and t <= 1 for t in attempts), attempts

    db.session.rollback()
    assert db.session.get(Project, project.id, populate_existing=True).state == ProjectState.IN_APPROVAL
    rows = list(db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)))
    assert rows and {r.job for r in rows} == {"notify_tasks_ready"}
    assert {(r.state, r.relay_count, r.attempts) for r in rows} == {(OutboxState.PENDING, 0, 0)}
    outbox_ids = [r.id for r in rows]
    assert sum(len(r.kwargs["human_task_ids"]) for r in rows) == 4, "one task per department"
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert jobs.relay() == 0, "still down: nothing sent"
    db.session.rollback()

    own_redis.start()  # same port
    conn = redis_client(own_redis.url)
    try:
        assert jobs.relay() == len(outbox_ids)
        assert jobs.relay() == 0, "sent, not stale: not sent again"
        # Pretend the first send got lost: a second relay re-sends it, so rq holds the row twice.
        db.session.execute(OutboxJob.__table__.update().values(sent_at=utcnow() - timedelta(seconds=STALE_SECONDS + 1)))
        db.session.commit()
        assert jobs.relay() == len(outbox_ids)
        queue = Queue(jobs.queue_name("default"), connection=conn)
        assert len(queue.job_ids) == 2 * len(outbox_ids)

        run_burst_worker(pg_app, log_path)

        assert queue.job_ids == []
        assert queue.failed_job_registry.count == 0, log_path.read_text(errors="replace")[-4000:]
        assert queue.finished_job_registry.count == 2 * len(outbox_ids)
    finally:
        conn.close()

    notes = [(n.org_code, n.kind, n.human_task_id) for n in db.session.scalars(select(Notification))]
    db.session.rollback()
    assert sorted(org for org, _, _ in notes) == ["environment", "finance", "housing", "ndrc"]
    assert {kind for _, kind, _ in notes} == {"task_ready"}
    assert len({task for _, _, task in notes}) == 4, "exactly one notification per department task"
    for outbox_id in outbox_ids:
        done = _row(outbox_id)
        assert (done.state, done.attempts, done.relay_count) == (OutboxState.DONE, 1, 2)
    assert jobs.relay() == 0
