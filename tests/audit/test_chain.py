"""Events are recorded cheaply, sealed into one hash chain, and verify names the first bad row."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from flask import Flask
from sqlalchemy import event, select, text

from tests.audit.support import all_ids, delete_row, seal_all, sealed_chain, set_detail, write_events
from zerolegwork.audit import chain, services
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db


def test_record_is_one_insert_and_leaves_the_row_unsealed(app: Flask):
    db.session.connection()  # outside the count: the session's transaction begins first
    statements: list[str] = []

    def count(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        services.record("task.complete", "human_task", 7, None, task="finance_review")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO audit_event")
    db.session.commit()
    row = db.session.scalars(select(AuditEvent)).one()
    assert (row.seq, row.prev_hash, row.hash) == (None, None, None)


def test_record_keeps_who_on_whose_behalf_before_after_and_the_address(app: Flask, people):
    sub, absent = people["users"]["finance1"], people["users"]["finance_chief"]
    with app.test_request_context("/tasks/1", environ_base={"REMOTE_ADDR": "10.20.30.40"}):
        services.record(
            "project.state", "project", 3, sub.id, on_behalf_of_id=absent.id, before="draft", after="signing"
        )
    db.session.commit()
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.state")).one()
    assert (row.actor_id, row.on_behalf_of_id, row.object_id) == (sub.id, absent.id, "3")
    assert row.detail == {"before": "draft", "after": "signing"}
    assert row.address == "10.20.30.40"
    assert row.at.tzinfo is not None and abs((datetime.now(UTC) - row.at).total_seconds()) < 60


def test_the_hash_is_over_canonical_json_so_key_order_does_not_matter():
    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    one = chain.event_hash(chain.GENESIS, at, 1, None, "a", "t", "1", {"b": 1, "a": {"y": 2, "x": 1}}, None)
    two = chain.event_hash(chain.GENESIS, at, 1, None, "a", "t", "1", {"a": {"x": 1, "y": 2}, "b": 1}, None)
    assert one == two and len(one) == 64
    assert one != chain.event_hash(chain.GENESIS, at, 1, None, "a", "t", "1", {"a": {"x": 1, "y": 2}, "b": 2}, None)
    assert one != chain.event_hash("1" * 64, at, 1, None, "a", "t", "1", {"a": {"x": 1, "y": 2}, "b": 1}, None)


def test_seal_chains_every_event_exactly_once_in_order(any_app: Flask):
    write_events(5)
    assert seal_all() == 5
    write_events(3, prefix="f")
    assert seal_all() == 3
    assert seal_all() == 0
    rows = sealed_chain()
    assert [r.seq for r in rows] == list(range(1, 9))
    assert [r.id for r in rows] == all_ids()
    assert rows[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(rows))


def test_verify_on_an_untouched_chain_is_ok_and_reports_the_head(any_app: Flask):
    write_events(4)
    seal_all()
    write_events(2, prefix="later")  # not sealed yet: not part of the chain, counted apart
    report = chain.verify()
    assert report.ok and report.bad_id is None
    assert (report.checked, report.head_seq, report.unsealed) == (4, 4, 2)
    assert report.head_hash == sealed_chain()[-1].hash


def test_an_empty_log_verifies(any_app: Flask):
    report = chain.verify()
    assert report.ok and (report.checked, report.head_hash) == (0, None)


def test_a_detail_edited_with_a_raw_update_is_named_by_verify(any_app: Flask):
    write_events(6)
    seal_all()
    victim = sealed_chain()[3]
    set_detail(victim.id, '{"before": "draft", "after": "approved"}')
    report = chain.verify()
    assert not report.ok
    assert (report.bad_id, report.reason, report.checked) == (victim.id, "edited", 3)
    assert f"audit event {victim.id}" in report.describe() and "edited" in report.describe()


def test_a_row_removed_from_the_middle_is_named_by_the_row_after_the_gap(any_app: Flask):
    write_events(6)
    seal_all()
    rows = sealed_chain()
    delete_row(rows[2].id)
    report = chain.verify()
    assert (report.bad_id, report.reason) == (rows[3].id, "removed")


def test_removing_the_first_row_is_found(any_app: Flask):
    write_events(3)
    seal_all()
    rows = sealed_chain()
    delete_row(rows[0].id)
    assert (chain.verify().bad_id, chain.verify().reason) == (rows[1].id, "removed")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(app: Flask):
    write_events(4)
    seal_all()
    rows = sealed_chain()
    victim = rows[1]
    forged = chain.event_hash(
        victim.prev_hash,
        victim.at,
        victim.actor_id,
        None,
        victim.action,
        victim.object_type,
        victim.object_id,
        {"before": "draft", "after": "forged"},
        None,
    )
    db.session.execute(
        text("UPDATE audit_event SET detail = :d, hash = :h WHERE id = :id"),
        {"d": '{"before": "draft", "after": "forged"}', "h": forged, "id": victim.id},
    )
    db.session.commit()
    report = chain.verify()
    assert (report.bad_id, report.reason) == (rows[2].id, "broken_link")


def test_an_unsealed_and_resealed_row_leaves_a_gap(app: Flask):
    write_events(4)
    seal_all()
    rows = sealed_chain()
    db.session.execute(text("UPDATE audit_event SET seq = NULL, hash = NULL WHERE id = :id"), {"id": rows[1].id})
    db.session.commit()
    seal_all()  # chains it again at the end
    assert chain.verify().bad_id == rows[2].id


def test_check_chain_verifies_then_seals_and_records_the_outcome(app: Flask):
    write_events(2)
    seal_all()
    write_events(1, prefix="waiting")
    report = services.check_chain()
    db.session.commit()
    assert report.ok and report.checked == 2
    status = services.chain_status()
    assert status.check_ok is True and status.checked_at is not None
    assert (status.sealed, status.unsealed) == (3, 1)  # the waiting one sealed; the audit.verify event waits
