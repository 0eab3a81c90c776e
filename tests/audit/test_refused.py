"""Refused access becomes an audit event: who (when signed in), which path, why, from where."""

from __future__ import annotations

from flask import Flask, request
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from zerolegwork.audit import services
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db


def refusals() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")))


def test_a_refusal_names_the_signed_in_user_the_path_and_the_address(app: Flask, people):
    user = people["users"]["unit1"]
    with app.test_request_context("/projects/999", method="GET", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        login_user(user)
        services.record_refused("/projects/999", "404")
    db.session.commit()
    (row,) = refusals()
    assert (row.actor_id, row.object_type, row.object_id, row.address) == (
        user.id,
        "path",
        "/projects/999",
        "192.0.2.7",
    )
    assert row.detail == {"reason": "404", "path": "/projects/999", "method": "GET"}


def test_an_anonymous_refusal_has_no_actor_and_a_long_path_is_cut(app: Flask):
    path = "/x/" + "a" * 700
    with app.test_request_context(path, method="POST"):
        services.record_refused(path, "403")
    db.session.commit()
    (row,) = refusals()
    assert row.actor_id is None and row.object_id == path[:64] and row.detail["path"] == path[:500]


def test_a_non_auditor_opening_the_audit_page_is_recorded(audit_web: Flask, client, login, people):
    # what errors.py does once wired: record, commit, then answer as before
    @audit_web.errorhandler(NotFound)
    def not_found(exc):  # type: ignore[no-untyped-def]
        db.session.rollback()
        services.record_refused(request.path, str(exc.code))
        db.session.commit()
        return "not found", 404

    login("finance1")
    assert client.get("/audit/").status_code == 404
    (row,) = refusals()
    assert row.actor_id == people["users"]["finance1"].id and row.object_id == "/audit/"
