"""Inbox fixtures: the claim routes' policy, a finance task per demo project, more tasks like one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from tests.helpers import ready_tasks, submit
from zerolegwork.db import utcnow
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, Post


@pytest.fixture(autouse=True)
def claim_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """POST /tasks/<id>/claim and /release (guarded here until permissions.POLICY has them)."""
    from zerolegwork import permissions

    for endpoint in ("inbox.claim", "inbox.release"):
        if endpoint not in permissions.POLICY:
            monkeypatch.setitem(permissions.POLICY, endpoint, permissions.Rule.SIGNED_IN)


@pytest.fixture
def finance_tasks(people: dict[str, Any]) -> list[HumanTask]:
    """The finance task (at 经办岗, finance1's post) of each demo project, arrived an hour apart, project 0 first."""
    now = utcnow()
    tasks = []
    for i in range(3):
        project = submit(people, i)
        (task,) = ready_tasks(project.id, "finance")
        task.created_at = now - timedelta(hours=3 - i)
        tasks.append(task)
    db.session.commit()
    return tasks


def finance_post(name: str) -> Post:
    org = db.session.scalars(select(Organisation).where(Organisation.code == "finance")).one()
    return db.session.scalars(select(Post).where(Post.org_id == org.id, Post.name == name)).one()


def copy_task(task: HumanTask, n: int, **values: Any) -> list[int]:
    """Insert `n` ready tasks like `task` (same instance, post and project), each a minute older than the last."""
    table = HumanTask.__table__
    row = {c.name: getattr(task, c.name) for c in table.c if c.name != "id"}
    rows = [
        {**row, "task_guid": str(uuid.uuid4()), "created_at": task.created_at - timedelta(minutes=i + 1), **values}
        for i in range(n)
    ]
    ids = list(db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    db.session.commit()
    return ids


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect every SQL statement sent to the database while the block runs."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
