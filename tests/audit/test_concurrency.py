"""On PostgreSQL, concurrent writers and sealers never fork the chain: every event sealed exactly once."""

from __future__ import annotations

import threading
from itertools import pairwise

from flask import Flask
from sqlalchemy import func, select

from tests.audit.support import seal_all, sealed_chain
from zerolegwork.audit import chain, services
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db


def assert_one_unforked_chain(expected: int) -> None:
    rows = sealed_chain()
    assert [r.seq for r in rows] == list(range(1, expected + 1))
    assert len({r.id for r in rows}) == expected
    assert rows[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(rows))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))) == 0
    report = chain.verify()
    assert report.ok, report.describe()
    assert report.checked == expected


def test_two_writers_of_200_events_and_a_sealer_at_once_make_one_chain(pg_app: Flask):
    writers_done = threading.Event()
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with pg_app.app_context():
                start.wait()
                for i in range(200):
                    services.record("task.complete", "human_task", i, None, writer=name)
                    db.session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def sealer() -> None:
        try:
            with pg_app.app_context():
                start.wait()
                while not writers_done.is_set():
                    chain.seal()
                    db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    sealing = threading.Thread(target=sealer)
    for t in [*threads, sealing]:
        t.start()
    for t in threads:
        t.join(120)
    writers_done.set()
    sealing.join(120)
    assert errors == []
    seal_all()
    assert_one_unforked_chain(400)


def test_an_event_committed_after_a_later_one_was_sealed_is_chained_after_it(pg_app: Flask):
    early_written, late_sealed = threading.Event(), threading.Event()
    early_id: list[int] = []

    def slow_transaction() -> None:
        with pg_app.app_context():
            services.record("task.complete", "human_task", "slow", None)
            early_id.append(db.session.scalar(select(func.max(AuditEvent.id))))
            early_written.set()
            late_sealed.wait(30)
            db.session.commit()

    slow = threading.Thread(target=slow_transaction)
    slow.start()
    assert early_written.wait(30)
    services.record("task.complete", "human_task", "fast", None)  # a higher id, committed first
    db.session.commit()
    assert seal_all() == 1
    late_sealed.set()
    slow.join(30)
    assert seal_all() == 1
    rows = sealed_chain()
    assert [r.object_id for r in rows] == ["fast", "slow"]
    assert rows[1].id == early_id[0] < rows[0].id
    assert_one_unforked_chain(2)


def test_two_sealers_at_once_seal_each_event_once(pg_app: Flask):
    for i in range(300):
        services.record("task.complete", "human_task", i, None)
    db.session.commit()
    counts: list[int] = []
    start = threading.Barrier(2)

    def sealer() -> None:
        with pg_app.app_context():
            start.wait()
            counts.append(chain.seal(batch=50))
            db.session.commit()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(counts) == [0, 300]
    assert_one_unforked_chain(300)


def test_a_sealer_that_will_not_wait_skips_while_another_seals(pg_app: Flask):
    services.record("task.complete", "human_task", 1, None)
    db.session.commit()
    holding, release = threading.Event(), threading.Event()

    def long_sealer() -> None:
        with pg_app.app_context():
            chain.seal()
            holding.set()
            release.wait(30)
            db.session.commit()

    other = threading.Thread(target=long_sealer)
    other.start()
    assert holding.wait(30)
    try:
        assert chain.seal(wait=False) == 0
        db.session.commit()
    finally:
        release.set()
        other.join(30)
    assert_one_unforked_chain(1)
