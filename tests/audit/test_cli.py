"""`flask zlw audit seal|verify`: exit 0 on an intact chain, exit 1 naming the first bad row."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.audit.support import delete_row, sealed_chain, set_detail, write_events
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db

pytestmark = pytest.mark.usefixtures("audit_cli")


def zlw(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["zlw", "audit", *args])
    db.session.expire_all()
    return result


def test_seal_chains_what_waits(app: Flask):
    write_events(3)
    result = zlw(app, "seal")
    assert result.exit_code == 0, result.output
    assert "sealed 3 audit event(s)" in result.output
    assert [r.seq for r in sealed_chain()] == [1, 2, 3]


def test_verify_on_an_untouched_chain_exits_0_and_prints_the_head(app: Flask):
    write_events(4)
    result = zlw(app, "verify")
    assert result.exit_code == 0, result.output
    head = sealed_chain()[3]
    assert f"OK: 4 event(s) chained; head seq 4 hash {head.hash}" in result.output
    assert zlw(app, "verify").exit_code == 0  # its own audit.verify event is sealed and checked next time


def test_verify_names_an_edited_row_and_exits_1(any_app: Flask):
    write_events(5)
    assert zlw(any_app, "seal").exit_code == 0
    victim = sealed_chain()[2]
    set_detail(victim.id, '{"after": "approved"}')
    result = zlw(any_app, "verify")
    assert result.exit_code == 1
    assert f"BAD: audit event {victim.id} (chain position 3): edited" in result.output


def test_verify_names_the_row_after_a_removed_one_and_exits_1(app: Flask):
    write_events(5)
    zlw(app, "seal")
    rows = sealed_chain()
    delete_row(rows[1].id)
    result = zlw(app, "verify")
    assert result.exit_code == 1
    assert f"BAD: audit event {rows[2].id} (chain position 3): removed" in result.output


def test_verify_records_its_outcome(app: Flask):
    write_events(1)
    zlw(app, "verify")
    check = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.verify")).one()
    assert check.detail["ok"] is True and check.detail["checked"] == 1 and check.actor_id is None
