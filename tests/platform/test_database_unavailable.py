"""The database going away mid-request: 503 with a Chinese message, nothing half-written, the next request works."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import g
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from tests.conftest import PG_ADMIN_URL
from tests.helpers import ready_tasks, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.engine.models import HumanTaskState, ProcessInstance
from zerolegwork.extensions import db

MESSAGE = "数据库暂时无法连接"


@pytest.fixture
def terminate_after_instance_update(pg_app: Any) -> Iterator[list[int]]:
    """Once armed (a 0 put in the list), kill the app's PostgreSQL backend right after its next instance UPDATE."""
    import psycopg

    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    killed: list[int] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if killed == [0] and statement.lstrip().upper().startswith("UPDATE PROCESS_INSTANCE"):
            pid = conn.connection.dbapi_connection.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield killed
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
        admin.close()


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def test_a_completion_whose_connection_is_terminated_answers_503_and_writes_nothing(
    pg_app: Any, people: dict[str, Any], terminate_after_instance_update: list[int]
) -> None:
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    instance_version = db.session.scalar(select(ProcessInstance.version).where(ProcessInstance.id == task.instance_id))
    db.session.remove()
    client = _signed_in(pg_app, "finance1")
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    db.session.remove()
    terminate_after_instance_update.append(0)

    resp = client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "同意。"})

    assert len(terminate_after_instance_update) == 2, "the fault was not injected"
    assert resp.status_code == 503
    assert MESSAGE in resp.get_data(as_text=True)
    assert resp.headers["Retry-After"]
    db.session.remove()
    (still,) = ready_tasks(project.id, "finance")
    assert still.id == task.id and still.state == HumanTaskState.READY
    assert (
        db.session.scalar(select(ProcessInstance.version).where(ProcessInstance.id == task.instance_id))
        == instance_version
    )
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before

    # the pool replaces the dead connection: the same click again succeeds
    db.session.remove()
    resp = client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "同意。"})
    assert resp.status_code == 302
    db.session.remove()
    assert ready_tasks(project.id, "finance") == []


def test_a_json_client_gets_the_message_as_json(app: Any, people: dict[str, Any], monkeypatch: Any) -> None:
    client = _signed_in(app, "finance1")

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    resp = client.get("/healthz", headers={"Accept": "application/json"})

    assert resp.status_code == 503
    assert MESSAGE in resp.get_json()["error"]


def test_the_page_for_an_unreachable_database_reads_nothing_from_it(app: Any, monkeypatch: Any) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    resp = app.test_client().get("/healthz")

    assert resp.status_code == 503
    assert MESSAGE in resp.get_data(as_text=True)


def test_a_database_gone_after_the_commit_does_not_turn_the_answer_into_an_error(app: Any, monkeypatch: Any) -> None:
    calls: list[int] = []

    def relay_fails() -> int:
        calls.append(1)
        raise OperationalError("SELECT … FOR UPDATE SKIP LOCKED", {}, Exception("terminating connection"))

    monkeypatch.setattr("zerolegwork.web.jobs.dispatch_committed", relay_fails)
    resp = app.test_client().get("/healthz")

    assert calls == [1]
    assert resp.status_code == 200  # the work was committed; its jobs stay pending for the relay


def _kill(admin: Any, pid: int) -> None:
    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    for _ in range(50):  # wait until the server has really ended it
        if admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() is None:
            return
        import time

        time.sleep(0.02)


def test_the_end_of_a_request_does_not_raise_when_its_connection_was_terminated(pg_app: Any) -> None:
    """Closing the session rolls back on the dead connection: that must not turn an answered page into a 500."""
    import psycopg
    from sqlalchemy import text

    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    try:
        with pg_app.test_request_context("/"):
            pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # a transaction is open
            _kill(admin, pid)
            pg_app.do_teardown_appcontext()  # what the end of every request runs (Flask-SQLAlchemy's too)
            assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid  # a live connection
    finally:
        admin.close()


def test_a_connection_terminated_mid_page_answers_503_every_time(pg_app: Any, people: dict[str, Any]) -> None:
    """The 503 path drops the session; its close must not raise on the dead connection either."""
    import psycopg

    admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    armed: list[int] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed == [0] and statement.lstrip().upper().startswith("SELECT"):
            pid = conn.connection.dbapi_connection.info.backend_pid
            armed.append(pid)
            _kill(admin, pid)

    client = _signed_in(pg_app, "finance1")
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for _ in range(3):
            armed.clear()
            armed.append(0)
            g.pop("_login_user", None)  # the fixture's app context (and g) spans the test's requests; not so live
            response = client.get("/")
            assert len(armed) == 2
            assert response.status_code == 503, response.status_code
            assert MESSAGE in response.get_data(as_text=True)
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
        admin.close()
    g.pop("_login_user", None)
    assert client.get("/").status_code == 200
