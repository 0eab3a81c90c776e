"""Every way a step is acted on costs a pinned number of statements (at most 10), on SQLite and PostgreSQL.

The paths are bench/paths.py's, the same that bench/engine.py times. A completion that changes the
engine runs: the claim read (state, post, holder, countersigns in one statement), BEGIN IMMEDIATE on
SQLite only (the write lock taken before the read), the instance row, the UPDATE of the instance
and of the task, what the step itself writes (new tasks, the project's state, an outbox job) and one
INSERT of every audit event. The signer is loaded before the clock, as the login manager does.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bench import paths
from zerolegwork import jobs
from zerolegwork.db import is_postgres
from zerolegwork.extensions import db

# name: (SQLite, PostgreSQL) statements of the action and its commit
PINNED = {
    # claim read, [BEGIN IMMEDIATE], instance, UPDATE instance, UPDATE task, audit
    "approve": (6, 5),
    # ... + UPDATE project (approved)
    "approve_closing": (7, 6),
    # ... + INSERT the unit's revision task (a unit's step has no chain to read), the outbox job (notify),
    # UPDATE project
    "reject_closing": (9, 8),
    # claim read, [BEGIN IMMEDIATE], instance, INSERT task_step, UPDATE task (chief's turn), audit, outbox
    "chain_advance": (7, 6),
    # [BEGIN IMMEDIATE], instance, INSERT task_step, UPDATE task, audit, outbox, open countersigns withdrawn (2)
    "return_level": (8, 7),
    # [BEGIN IMMEDIATE], instance, the post is the department's, UPDATE task (chain), audit
    "add_signer": (5, 4),
    # the task, the user's posts, the posts asked, those already asked, INSERT countersign, audit
    "countersign_request": (6, 6),
    # the countersign, the user's posts, UPDATE countersign, read it back, audit
    "countersign_sign": (5, 5),
    # claim read, [BEGIN IMMEDIATE], instance, UPDATE instance, UPDATE task, countersigns closed (2), audit
    "countersigned_complete": (8, 7),
}


def test_every_path_of_bench_paths_is_pinned():
    assert [p.name for p in paths.PATHS] == list(PINNED)


@pytest.mark.parametrize("path", paths.PATHS, ids=lambda p: p.name)
def test_each_completion_path_runs_its_pinned_statements(any_app, people, path):
    act = path.prepare()
    db.session.remove()  # a fresh session, as a request gets
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split())[:100])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        act()
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    jobs.dispatch_committed()
    expected = PINNED[path.name][1 if is_postgres() else 0]
    assert len(seen) == expected, "\n".join(seen)
    assert expected <= path.goal
