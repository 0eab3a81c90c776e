"""Audit events of one unit of work written together: one statement, nothing lost when the work raises."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from zerolegwork.audit import services as audit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db


def _inserts_while(fn) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_events_recorded_in_a_batch_are_written_in_one_statement_in_order(app):
    def work() -> None:
        with audit.batched():
            audit.record("probe.first", "probe", 1)
            with audit.batched():  # a nested block joins the outer one
                audit.record("probe.second", "probe", 2)
            audit.record("probe.third", "probe", 3)
            assert _actions() == []  # nothing written before the block ends

    assert _inserts_while(work) == 1
    assert _actions() == ["probe.first", "probe.second", "probe.third"]


def test_a_batch_whose_work_raises_still_writes_its_events(app):
    def work() -> None:
        with pytest.raises(RuntimeError), audit.batched():
            audit.record("instance.incident", "process_instance", 7, reason="a rule failed")
            raise RuntimeError("diagram code failed")

    assert _inserts_while(work) == 1
    assert _actions() == ["instance.incident"]


def test_outside_a_batch_each_event_is_written_at_once(app):
    def work() -> None:
        audit.record("probe.one", "probe", 1)
        assert _actions() == ["probe.one"]
        audit.record("probe.two", "probe", 2)

    assert _inserts_while(work) == 2
