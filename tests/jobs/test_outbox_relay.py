"""The relay: which outbox rows it hands to rq, and under which rq job ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from tests.jobs.support import SHARED_REDIS_URL, delete_installation_keys, free_port, redis_client
from zerolegwork import jobs
from zerolegwork.db import utcnow
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState

LONG_AGO = timedelta(hours=1)


def _relay_to_shared_redis(app: Flask) -> Iterator[Any]:
    """Point `app` at the job tests' Redis database, under its own queue prefix; drop its keys after."""
    conn = redis_client(SHARED_REDIS_URL)
    cfg = app.config["ZLW"]
    cfg.redis_url = SHARED_REDIS_URL
    cfg.job_stale_seconds = 3
    try:
        yield conn
    finally:
        delete_installation_keys(conn, cfg.queue_prefix)
        conn.close()


@pytest.fixture
def any_redis(any_app: Flask) -> Iterator[Any]:
    yield from _relay_to_shared_redis(any_app)


@pytest.fixture
def pg_redis(pg_app: Flask) -> Iterator[Any]:
    yield from _relay_to_shared_redis(pg_app)


def _queued_job_ids(conn: Any) -> list[str]:
    from rq import Queue

    return sorted(Queue(jobs.queue_name("default"), connection=conn).job_ids)


def _job_id(outbox_id: int, relay_no: int) -> str:
    from flask import current_app

    return f"{current_app.config['ZLW'].queue_prefix}-outbox-{outbox_id}-{relay_no}"


def _rows(**states: dict[str, Any]) -> dict[str, int]:
    """Write outbox rows in the given states directly; return their ids by name."""
    ids = {}
    for name, values in states.items():
        row = OutboxJob(job="probe", kwargs={"token": name}, **values)
        db.session.add(row)
        db.session.flush()
        ids[name] = row.id
    db.session.commit()
    return ids


def test_relay_resends_nothing_that_is_done(any_redis):
    long_ago = utcnow() - LONG_AGO
    ids = _rows(
        done_after_relay=dict(state=OutboxState.DONE, sent_at=long_ago, done_at=long_ago, relay_count=1, attempts=1),
        done_inline=dict(state=OutboxState.DONE, done_at=long_ago, attempts=1),
        given_up=dict(state=OutboxState.FAILED, sent_at=long_ago, relay_count=2, attempts=5),
        sent_stale=dict(state=OutboxState.SENT, sent_at=long_ago, relay_count=1),
        sent_fresh=dict(state=OutboxState.SENT, sent_at=utcnow(), relay_count=1),
        pending=dict(state=OutboxState.PENDING),
    )

    assert jobs.relay() == 2
    assert _queued_job_ids(any_redis) == sorted([_job_id(ids["sent_stale"], 2), _job_id(ids["pending"], 1)])
    assert jobs.relay() == 0, "just sent: not stale yet"
    assert jobs.relay([ids["done_after_relay"], ids["done_inline"], ids["sent_stale"]]) == 0, "by id: pending only"

    # Every row done, every row sent long ago: still nothing to send.
    db.session.execute(OutboxJob.__table__.update().values(state=OutboxState.DONE, sent_at=long_ago, done_at=long_ago))
    db.session.commit()
    assert jobs.relay() == 0
    assert jobs.relay(list(ids.values())) == 0
    assert len(_queued_job_ids(any_redis)) == 2
    relay_counts = {name: db.session.get(OutboxJob, i, populate_existing=True).relay_count for name, i in ids.items()}
    assert relay_counts == {
        "done_after_relay": 1,
        "done_inline": 0,
        "given_up": 2,
        "sent_stale": 2,
        "sent_fresh": 1,
        "pending": 1,
    }


def test_relay_leaves_a_stale_row_whose_job_is_running(pg_redis):
    """A stale row locked by a running execute() (a PostgreSQL row lock) is skipped, not re-sent."""
    ids = _rows(running=dict(state=OutboxState.SENT, sent_at=utcnow() - LONG_AGO, relay_count=1))
    with db.engine.connect() as other:
        locked = other.execute(text("SELECT id FROM outbox_job WHERE id = :id FOR UPDATE"), {"id": ids["running"]})
        assert locked.scalar() == ids["running"]
        assert jobs.relay() == 0
        other.rollback()
    assert jobs.relay() == 1
    assert _queued_job_ids(pg_redis) == [_job_id(ids["running"], 2)]


def test_relay_with_redis_down_keeps_rows_pending(any_app):
    any_app.config["ZLW"].redis_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    row = jobs.enqueue("probe", seconds=0, token=uuid.uuid4().hex)
    db.session.commit()
    assert jobs.dispatch_committed() == 0
    assert jobs.relay() == 0
    kept = db.session.get(OutboxJob, row.id, populate_existing=True)
    assert (kept.state, kept.relay_count, kept.sent_at, kept.attempts) == (OutboxState.PENDING, 0, None, 0)
