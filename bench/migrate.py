"""Impact analysis and migration of many running instances (issue 14): time and statements per instance.

Run from the repository root:

    .venv/bin/python -m bench.migrate [--smoke] [--n 10000] [--pg] [--pg-admin URL]

One demo project is put into joint sign-off through the services (it waits at the departments'
review, four people's tasks), then its instance row and task rows are copied `--n` - 1 times with
INSERT … SELECT (the copies are the same matter at the same place, which is what the analysis reads).
Two new versions are stored: one renames the review (every instance waits there: all affected), one
renames the unit's revision step (nobody has reached it: all safe). Measured, each on its own, wall
clock and statements (every DB-API execute on db.engine):
  - impact analysis (engine.impact.affected_instances) of both changes over all instances;
  - a migration dry run and the real migration of all instances to the second version, in chunks of
    200 committed one by one, as the batch job does.
--smoke: 50 instances on SQLite (CI runs it).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from tests.conftest import deploy_repository, make_settings
from zerolegwork import create_app, demo
from zerolegwork.engine.diff import diff_bundles
from zerolegwork.engine.impact import affected_instances
from zerolegwork.engine.migrate import migrate_instances
from zerolegwork.engine.models import HumanTask, ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User
from zerolegwork.projects import services as projects
from zerolegwork.projects.models import Project

FILE = "joint_signoff.bpmn"
CHUNK = 200


def new_version(live: ProcessDefinition, old: str, new: str, number: int) -> ProcessDefinition:
    bundle = copy.deepcopy(live.bundle)
    bundle["bpmn"][FILE] = bundle["bpmn"][FILE].replace(old, new)
    sha = hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()
    d = ProcessDefinition(process_id="joint_signoff", version=number, sha256=sha, bundle=bundle)
    db.session.add(d)
    db.session.commit()
    return d


def copy_instances(instance_id: int, n: int) -> None:
    """n - 1 copies of the instance row and its task rows (the same state, so the same task guids)."""
    table, tasks_table = ProcessInstance.__table__, HumanTask.__table__
    row = dict(db.session.execute(select(table).where(table.c.id == instance_id)).mappings().one())
    row.pop("id")
    tasks = [
        dict(t)
        for t in db.session.execute(select(tasks_table).where(tasks_table.c.instance_id == instance_id)).mappings()
    ]
    for t in tasks:
        t.pop("id")
    for start in range(1, n, 500):
        ids = (
            db.session.execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), [row] * min(500, n - start)
            )
            .scalars()
            .all()
        )
        db.session.execute(tasks_table.insert(), [dict(t, instance_id=i) for i in ids for t in tasks])
        db.session.commit()


def counted(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count)
    return result, elapsed, seen[0]


def migrate_all(ids: list[int], target_id: int, dry_run: bool) -> int:
    moved = 0
    for start in range(0, len(ids), CHUNK):
        moved += sum(o.moved for o in migrate_instances(ids[start : start + CHUNK], target_id, None, dry_run=dry_run))
        db.session.commit()
    return moved


def run(url: str, n: int, label: str) -> list[str]:
    app = create_app(make_settings(url))
    lines = []
    with app.app_context():
        db.create_all()
        deploy_repository()
        demo.seed()
        db.session.commit()
        unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
        project = db.session.scalars(select(Project).order_by(Project.id)).first()
        projects.submit_for_signoff(unit, project.id)
        db.session.commit()
        first = db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project.id)).one()
        copy_instances(first.id, n)
        live = db.session.get(ProcessDefinition, first.definition_id)
        review = new_version(live, 'name="部门审查"', 'name="部门联合审查"', live.version + 1)
        revision = new_version(live, 'name="处理退回意见"', 'name="处理会签退回意见"', live.version + 2)
        total = db.session.scalar(select(func.count()).select_from(ProcessInstance))
        ids = list(db.session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))
        assert total == n == len(ids), (total, n)
        lines.append(f"[{label}] {n:,} running instances of joint_signoff v{live.version}, 4 waiting tasks each")
        for name, target, expect in (("review renamed", review, n), ("revision renamed", revision, 0)):
            diff = diff_bundles(live.bundle, target.bundle)
            found, secs, stmts = counted(lambda d=diff: list(affected_instances([live.id], d)))
            assert len(found) == expect, (name, len(found), expect)
            lines.append(
                f"  impact ({name}): {len(found):,} affected in {secs * 1000:,.0f} ms"
                f" = {secs * 1e6 / n:,.0f} µs/instance, {stmts} statements ({stmts / n:.3f}/instance)"
            )
        for dry in (True, False):
            moved, secs, stmts = counted(lambda d=dry: migrate_all(ids, revision.id, d))
            assert moved == n, moved
            kind = "dry run" if dry else "migration"
            lines.append(
                f"  {kind} to v{revision.version}: {moved:,} {'would move' if dry else 'moved'} in {secs:,.1f} s"
                f" = {secs * 1000 / n:.2f} ms/instance, {stmts:,} statements ({stmts / n:.2f}/instance)"
            )
        db.session.remove()
        db.engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="running instances (default 10,000)")
    parser.add_argument("--pg", action="store_true", help="also on PostgreSQL (a database of our own)")
    parser.add_argument(
        "--pg-admin", default=os.environ.get("ZLW_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--smoke", action="store_true", help="50 instances on SQLite (a few seconds)")
    args = parser.parse_args(argv)
    n = 50 if args.smoke else args.n
    machine = platform.processor() or platform.machine()
    print(f"bench.migrate on {machine}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, {time.asctime()}")
    with tempfile.TemporaryDirectory(prefix="zlw-bench-migrate-") as tmp:
        for line in run(f"sqlite:///{Path(tmp) / 'm.db'}", n, "SQLite"):
            print(line, flush=True)
    if args.pg and not args.smoke:
        import psycopg

        name = f"zlw_bench_migrate_{os.getpid()}"
        admin = psycopg.connect(args.pg_admin, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = args.pg_admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            for line in run(f"{base}/{name}", n, "PostgreSQL"):
                print(line, flush=True)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
