"""On PostgreSQL, once the guard is installed, audit rows cannot be changed, removed or truncated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.audit.support import seal_all, sealed_chain, write_events
from zerolegwork.audit import chain
from zerolegwork.audit.guard import install_pg_guard, remove_pg_guard
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db


@pytest.fixture
def guarded(pg_app: Flask) -> Iterator[Flask]:
    with db.engine.begin() as conn:
        install_pg_guard(conn)
        install_pg_guard(conn)  # idempotent
    yield pg_app
    db.session.rollback()
    with db.engine.begin() as conn:
        remove_pg_guard(conn)  # the next test's fixture truncates every table


def refused(sql: str, **params: object) -> str:
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text(sql), params)
    db.session.rollback()
    return str(caught.value)


def test_update_is_refused_on_sealed_and_unsealed_rows(guarded: Flask):
    write_events(3)
    seal_all()
    write_events(1, prefix="new")
    sealed, unsealed = sealed_chain()[1].id, db.session.scalar(select(AuditEvent.id).where(AuditEvent.seq.is_(None)))
    assert "append-only: UPDATE refused" in refused("UPDATE audit_event SET object_id = 'x' WHERE id = :id", id=sealed)
    assert "append-only" in refused("UPDATE audit_event SET detail = CAST('{}' AS json) WHERE id = :id", id=unsealed)
    assert "append-only" in refused("UPDATE audit_event SET seq = NULL, hash = NULL WHERE id = :id", id=sealed)
    assert chain.verify().ok


def test_delete_is_refused(guarded: Flask):
    write_events(3)
    seal_all()
    assert "append-only: DELETE refused" in refused("DELETE FROM audit_event WHERE id = :id", id=sealed_chain()[1].id)
    assert "append-only" in refused("DELETE FROM audit_event")
    assert len(sealed_chain()) == 3


def test_truncate_is_refused(guarded: Flask):
    write_events(2)
    assert "append-only: TRUNCATE refused" in refused("TRUNCATE audit_event")
    assert "append-only" in refused("TRUNCATE audit_event, process_instance CASCADE")


def test_sealing_still_works_under_the_guard_and_only_once(guarded: Flask):
    write_events(5)
    assert seal_all() == 5
    first = sealed_chain()[0]
    assert "append-only" in refused(
        "UPDATE audit_event SET seq = 99, prev_hash = :p, hash = :h WHERE id = :id",
        p=chain.GENESIS,
        h="f" * 64,
        id=first.id,
    )
    write_events(2, prefix="more")
    assert seal_all() == 2
    assert chain.verify().ok


def test_a_seal_that_also_changes_content_is_refused(guarded: Flask):
    write_events(1)
    row_id = db.session.scalar(select(AuditEvent.id))
    assert "append-only" in refused(
        "UPDATE audit_event SET seq = 1, prev_hash = :p, hash = :h, action = 'auth.login' WHERE id = :id",
        p=chain.GENESIS,
        h="f" * 64,
        id=row_id,
    )


def test_the_guard_does_nothing_on_sqlite(app: Flask):
    with db.engine.begin() as conn:
        install_pg_guard(conn)
        remove_pg_guard(conn)
    write_events(1)
    db.session.execute(text("DELETE FROM audit_event"))
    db.session.commit()
