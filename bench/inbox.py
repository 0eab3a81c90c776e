"""Benchmark the first inbox page of a busy reviewer on PostgreSQL with a million human tasks.

Run from the repository root:

    .venv/bin/python -m bench.inbox [--n-tasks 1000000] [--users 10000] [--posts 200] [--busy 5000] [--runs 200]
        [--smoke]

The benchmark creates its own database on postgresql://postgres@127.0.0.1:5432/test (--pg-admin)
and drops it at the end. Tables come from the models (db.create_all(), with their indexes); rows
are made by the server with INSERT … SELECT generate_series: one project unit, posts/4
departments of 4 posts each, users spread over the posts (each holds one), a project and a
process instance per 5 tasks, and --n-tasks human tasks: 20 % ready (arrived in the last 60 days,
due 28 days after), 75 % completed, 5 % cancelled, spread over the posts. The "busy user" holds the
first post, at which --busy ready tasks wait; a "quiet user" of the project unit has none. Then
VACUUM ANALYZE.

Measured: `inbox.services.inbox_page(user, InboxQuery(...))`, the function the inbox view calls
(the user's posts, the counts of every view, the page, its filtered total, the regions and
processes to filter by), inside an app context with a fresh session per run, --runs times per
scenario: wall time of the call and the time spent inside cursor.execute per statement. Then the
same page through HTTP (GET / with the test client, signed in). Then EXPLAIN ANALYZE of the
statements of the default page and of the slowest scenarios. (The indexes an earlier run proposed,
ix_human_task_completed_by and the partial ix_human_task_ready_post, are now the models' own.)

--smoke: 2,000 tasks, 40 users, 8 posts, 3 runs per scenario: every part runs in seconds; CI runs it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import psycopg
from flask import Flask
from sqlalchemy import event, select, text

from bench.engine import machine, pct, pg_database
from tests.conftest import make_settings
from zerolegwork import create_app
from zerolegwork.db import utcnow
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.i18n import SHANGHAI
from zerolegwork.inbox import services as inbox
from zerolegwork.inbox.services import InboxQuery
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import Region, User

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
GOAL_MS = 20.0
PROCESSES = ["joint_signoff", "project_lifecycle", "procurement"]

# ---------------------------------------------------------------------------------------------
# filling the tables


FILL = [
    # one project unit; departments with 4 levels and one post per level
    """INSERT INTO organisation (code, name, kind, region_id, state, service_types, require_totp, created_at)
       VALUES ('bench_unit', '基准项目单位', 'unit', %(city)s, 'active', '[]', false, now() AT TIME ZONE 'utc')""",
    """INSERT INTO organisation (code, name, kind, region_id, state, service_types, require_totp, dept_type, created_at)
       SELECT 'dept_' || lpad(d::text, 3, '0'), '基准部门' || d, 'department', %(city)s, 'active', '[]', false,
              'finance', now() AT TIME ZONE 'utc'
       FROM generate_series(0, %(depts)s - 1) d""",
    """INSERT INTO mgmt_level (org_id, rank, name)
       SELECT o.id, r, '级别' || r FROM organisation o CROSS JOIN generate_series(1, 4) r
       WHERE o.kind = 'department' ORDER BY o.id, r""",
    """INSERT INTO post (org_id, level_id, name) SELECT l.org_id, l.id, '岗位' || l.rank FROM mgmt_level l
       ORDER BY l.org_id, l.rank""",
    """CREATE TABLE bench_post AS
       SELECT (row_number() OVER (ORDER BY p.id) - 1)::int AS seq, p.id AS post_id, o.id AS org_id, o.code AS org_code
       FROM post p JOIN organisation o ON o.id = p.org_id""",
    # user i holds post i %% posts (user 0, the busy user, holds post 0)
    """INSERT INTO "user" (username, display_name, password_hash, org_id, notifications_seen_id, active, is_admin,
                           is_region_admin, is_auditor, is_analyst, failed_logins, session_epoch, created_at)
       SELECT 'u' || lpad(i::text, 6, '0'), '审查员' || i, 'x', bp.org_id, 0, true, false, false, false, false, 0, 0,
              now() AT TIME ZONE 'utc'
       FROM generate_series(0, %(users)s - 1) i JOIN bench_post bp ON bp.seq = i %% %(posts)s ORDER BY i""",
    """INSERT INTO post_member (post_id, user_id)
       SELECT bp.post_id, u.id FROM "user" u JOIN bench_post bp ON bp.seq = substr(u.username, 2)::int %% %(posts)s""",
    """INSERT INTO "user" (username, display_name, password_hash, org_id, notifications_seen_id, active, is_admin,
                           is_region_admin, is_auditor, is_analyst, failed_logins, session_epoch, created_at)
       SELECT 'quiet', '项目单位经办人', 'x', id, 0, true, false, false, false, false, 0, 0, now() AT TIME ZONE 'utc'
       FROM organisation WHERE code = 'bench_unit'""",
    """INSERT INTO project (code, name, unit_id, region_id, level, category, management_status, planned_investment,
                           cumulative_investment, state, created_at)
       SELECT '2026-150200-48-01-' || lpad(i::text, 7, '0'),
              (ARRAY['昆区','青山区','东河区','九原区','石拐区','白云鄂博矿区','土右旗','达茂旗','固阳县'])[1 + i %% 9]
              || (ARRAY['友谊大街道路改造工程','第三污水处理厂扩建项目','老旧小区改造工程','第一中学教学楼建设项目',
                        '人民医院门诊楼扩建项目','供热管网改造工程','公园绿化提升工程'])[1 + (i / 9) %% 7]
              || '（' || i || '）',
              (SELECT id FROM organisation WHERE code = 'bench_unit'),
              (%(regions)s::int[])[1 + i %% cardinality(%(regions)s::int[])], 'city',
              '市政道路', '在建', 1000, 0, 'in_approval', now() AT TIME ZONE 'utc'
       FROM generate_series(1, %(projects)s) i ORDER BY i""",
    """INSERT INTO process_definition (process_id, version, sha256, bundle, created_at)
       SELECT p, 1, repeat('0', 64), '{}', now() AT TIME ZONE 'utc' FROM unnest(%(processes)s::text[]) p""",
    """INSERT INTO process_instance (definition_id, spec_hash, process_id, status, version, state, serializer_version,
                                     project_id, created_at, updated_at)
       SELECT d.id, d.sha256, d.process_id, 'running', 1, '{}', '1', i, now() AT TIME ZONE 'utc',
              now() AT TIME ZONE 'utc'
       FROM generate_series(1, %(projects)s) i
       JOIN process_definition d ON d.process_id = (%(processes)s::text[])[1 + i %% cardinality(%(processes)s::text[])]
       ORDER BY i""",
]

# one chunk of human tasks, rows %(lo)s..%(hi)s; ready rows up to --busy * 5 wait at post 0
TASKS = """
INSERT INTO human_task (instance_id, task_guid, bpmn_id, title, form_key, lane, org_code, state, mode, chain,
                        chain_pos, post_id, project_id, claimed_by_id, claimed_at, due_at, completed_by_id,
                        completed_at, created_at)
SELECT s.project, s.i::text, 'department_signoff', '部门会签意见', 'department_signoff', 'department', bp.org_code,
       s.state, 'approval', '[]', 0, bp.post_id, s.project,
       CASE WHEN s.state = 'ready' AND s.i %% 50 = 1
            THEN s.seq + 1 + %(posts)s * ((s.i / 50) %% (%(users)s / %(posts)s)) END,
       CASE WHEN s.state = 'ready' AND s.i %% 50 = 1 THEN s.arrived + interval '1 hour' END,
       CASE WHEN s.i %% 10 <> 0 THEN s.arrived + interval '28 days' END,
       CASE WHEN s.state = 'completed' THEN (s.i / 20) %% %(users)s + 1 END,
       CASE WHEN s.state <> 'ready' THEN s.arrived + interval '3 days' END,
       s.arrived
FROM (
    SELECT i, state, 1 + (i - 1) %% %(projects)s AS project,
           CASE WHEN state = 'ready' AND i <= %(busy)s * 5 THEN 0
                ELSE 1 + (i * 7 + i / 20) %% (%(posts)s - 1) END AS seq,
           (now() AT TIME ZONE 'utc') - CASE WHEN state = 'ready' THEN ((i * 7919) %% 5184000) * interval '1 second'
                ELSE (5184000 + (i * 7919) %% 57888000) * interval '1 second' END AS arrived
    FROM (SELECT i, CASE WHEN i %% 20 < 4 THEN 'ready' WHEN i %% 20 = 19 THEN 'cancelled' ELSE 'completed' END AS state
          FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i) g
) s JOIN bench_post bp ON bp.seq = s.seq
"""


def fill(app: Flask, dsn: str, args: argparse.Namespace) -> dict[str, Any]:
    """Make the rows; return the ids the measurements need."""
    with app.app_context():
        db.create_all()
        regions = orgs.ensure_regions()
        db.session.commit()
        city = regions["市本级"].id
        region_ids = sorted(r.id for r in regions.values())
        db.session.remove()
    params = {
        "city": city,
        "depts": args.posts // 4,
        "posts": args.posts // 4 * 4,
        "users": args.users,
        "projects": max(args.n_tasks // 5, 1),
        "regions": region_ids,
        "processes": PROCESSES,
        "busy": args.busy,
    }
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for sql in FILL:
            conn.execute(sql, params)
        chunk = 200_000
        for lo in range(1, args.n_tasks + 1, chunk):
            hi = min(lo + chunk - 1, args.n_tasks)
            conn.execute(TASKS, {**params, "lo": lo, "hi": hi})
            print(f"  human_task rows {hi:>9,} ({time.perf_counter() - t0:.0f} s)", flush=True)
        conn.execute("DROP TABLE bench_post")
        conn.execute("VACUUM ANALYZE")
        sizes = conn.execute(
            """SELECT (SELECT count(*) FROM human_task), (SELECT count(*) FROM human_task WHERE state = 'ready'),
                      (SELECT count(*) FROM "user"), (SELECT count(*) FROM post), (SELECT count(*) FROM project),
                      pg_size_pretty(pg_total_relation_size('human_task'))"""
        ).fetchone()
        busy_id, busy_post = conn.execute(
            """SELECT u.id, m.post_id FROM "user" u JOIN post_member m ON m.user_id = u.id
               WHERE u.username = 'u000000'"""
        ).fetchone()
        quiet_id = conn.execute("""SELECT id FROM "user" WHERE username = 'quiet'""").fetchone()[0]
        at_busy = conn.execute(
            "SELECT count(*) FROM human_task WHERE post_id = %s AND state = 'ready'", (busy_post,)
        ).fetchone()[0]
        code = conn.execute(
            """SELECT p.code FROM human_task t JOIN project p ON p.id = t.project_id
               WHERE t.post_id = %s AND t.state = 'ready' ORDER BY t.created_at DESC OFFSET %s LIMIT 1""",
            (busy_post, min(100, at_busy // 2)),
        ).fetchone()[0]
    print(
        f"filled in {time.perf_counter() - t0:.0f} s: {sizes[0]:,} human tasks ({sizes[1]:,} ready, {sizes[5]}), "
        f"{sizes[2]:,} users, {sizes[3]} posts, {sizes[4]:,} projects; the busy user's post holds {at_busy:,} "
        "ready tasks",
        flush=True,
    )
    with app.app_context():
        for user_id in (busy_id, quiet_id):
            user = db.session.get(User, user_id)
            assert user is not None
            user.password_hash = orgs.hash_password(DEMO_PASSWORD)
        db.session.commit()
        kun = db.session.scalar(select(Region.id).where(Region.name == "昆区"))
        db.session.remove()
    return {"busy": busy_id, "quiet": quiet_id, "code": code, "kun": kun, "at_busy": at_busy}


# ---------------------------------------------------------------------------------------------
# measuring


class Recorder:
    """Every statement sent to the database with the time spent inside cursor.execute."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any, float]] = []
        self._t0 = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        self._t0 = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        self.seen.append((statement, params, time.perf_counter() - self._t0))


def kind(statement: str) -> str:
    """Which of the inbox page's statements this is."""
    if "FILTER (WHERE" in statement:
        return "counts"
    if "LIMIT" in statement and "human_task" in statement:
        return "page"
    if statement.lstrip().startswith("SELECT count(human_task.id)"):
        return "total"
    return "other"


def scenarios(ids: dict[str, Any]) -> list[tuple[str, InboxQuery]]:
    week = (utcnow() + timedelta(days=7)).astimezone(SHANGHAI).date()
    return [
        ("mine (default)", InboxQuery()),
        ("mine, q=污水 (name, 1 in 7)", InboxQuery(q="污水")),
        ("mine, q=<one project's code>", InboxQuery(q=ids["code"])),
        ("mine, region=昆区 (1 in 9)", InboxQuery(region_id=ids["kun"])),
        ("mine, due by today+7", InboxQuery(due_before=week)),
        ("mine, process=procurement", InboxQuery(process_id="procurement")),
        ("mine, q + region + due", InboxQuery(q="污水", region_id=ids["kun"], due_before=week)),
        ("mine, sort=due_asc", InboxQuery(sort="due_asc")),
        ("mine, page 10", InboxQuery(page=10)),
        ("overdue", InboxQuery(view="overdue")),
        ("claimed", InboxQuery(view="claimed")),
        ("department", InboxQuery(view="department")),
        ("done", InboxQuery(view="done")),
    ]


def run_scenario(app: Flask, rec: Recorder, user_id: int, query: InboxQuery, runs: int) -> dict[str, Any]:
    """Call inbox_page `runs` times (after 5 warm-up calls); wall and per-statement SQL times in ms."""
    wall: list[float] = []
    sql: dict[str, list[float]] = defaultdict(list)
    statements: set[int] = set()
    last: list[tuple[str, Any, float]] = []
    with app.app_context():
        for n in range(runs + 5):
            db.session.remove()  # a fresh session per call, as a request gets
            user = db.session.get(User, user_id)
            assert user is not None
            _ = user.org.code
            rec.seen.clear()
            t0 = time.perf_counter()
            page = inbox.inbox_page(user, query)
            t1 = time.perf_counter()
            if n < 5:
                continue
            wall.append((t1 - t0) * 1000)
            by_kind: dict[str, float] = defaultdict(float)
            for statement, _params, seconds in rec.seen:
                by_kind[kind(statement)] += seconds * 1000
            by_kind["all SQL"] = sum(s for _st, _p, s in rec.seen) * 1000
            for k, v in by_kind.items():
                sql[k].append(v)
            statements.add(len(rec.seen))
            last = list(rec.seen)
        db.session.remove()
    return {
        "wall": wall,
        "sql": sql,
        "statements": statements,
        "rows": len(page.rows),
        "total": page.total,
        "last": last,
    }


def http_run(app: Flask, rec: Recorder, username: str, runs: int) -> dict[str, Any]:
    """GET / through the test client, signed in; no app context held, so each request has its own session."""
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert resp.status_code == 302, resp.status_code
    wall: list[float] = []
    statements: set[int] = set()
    for n in range(runs + 5):
        rec.seen.clear()
        t0 = time.perf_counter()
        resp = client.get("/")
        t1 = time.perf_counter()
        assert resp.status_code == 200
        if n >= 5:
            wall.append((t1 - t0) * 1000)
            statements.add(len(rec.seen))
    return {"wall": wall, "statements": statements}


def measure_all(app: Flask, rec: Recorder, ids: dict[str, Any], runs: int) -> list[tuple[str, dict[str, Any]]]:
    results = []
    for label, query in scenarios(ids):
        results.append((label, run_scenario(app, rec, ids["busy"], query, runs)))
        print(f"  {label:<34} done", flush=True)
    return results


def table(results: list[tuple[str, dict[str, Any]]]) -> list[str]:
    head = (
        f"| {'scenario (busy user)':<34} | rows/total | stmts | call p50 | call p95 | SQL p50 | SQL p95 "
        "| counts p95 | page(+total) p95 |"
    )
    lines = [head, "|" + "|".join("---" for _ in range(9)) + "|"]
    for label, r in results:
        totals = r["sql"].get("total", [0.0] * len(r["wall"]))
        page_plus_total = [a + b for a, b in zip(r["sql"]["page"], totals, strict=True)]
        lines.append(
            f"| {label:<34} | {r['rows']:>3}/{r['total']:<6} | {'/'.join(map(str, sorted(r['statements'])))} "
            f"| {pct(r['wall'], 50):8.2f} | {pct(r['wall'], 95):8.2f} | {pct(r['sql']['all SQL'], 50):7.2f} "
            f"| {pct(r['sql']['all SQL'], 95):7.2f} | {pct(r['sql']['counts'], 95):10.2f} "
            f"| {pct(page_plus_total, 95):16.2f} |"
        )
    return lines


def explain(app: Flask, statements: list[tuple[str, Any, float]], only: set[str]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) the recorded statements of the given kinds, with their own parameters."""
    out = []
    with app.app_context():
        conn = db.session.connection()
        for statement, params, _s in statements:
            if kind(statement) not in only:
                continue
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params).scalars().all()
            out.append(f"--- {kind(statement)}: " + " ".join(statement.split())[:160] + " …")
            out.extend("    " + line for line in plan)
        db.session.rollback()
        db.session.remove()
    return out


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__.splitlines()[0])
    parser.add_argument("--n-tasks", type=int, default=1_000_000, help="human_task rows (default 1,000,000)")
    parser.add_argument("--users", type=int, default=10_000, help="users (default 10,000)")
    parser.add_argument("--posts", type=int, default=200, help="posts, 4 per department (default 200)")
    parser.add_argument("--busy", type=int, default=5_000, help="ready tasks at the busy user's post (default 5,000)")
    parser.add_argument("--runs", type=int, default=200, help="measured calls per scenario (default 200)")
    parser.add_argument("--http-runs", type=int, default=50, help="measured GET / per user (default 50)")
    parser.add_argument("--pg-admin", default=PG_ADMIN_URL, help=f"where to create our own database ({PG_ADMIN_URL})")
    parser.add_argument("--smoke", action="store_true", help="tiny scale, seconds; CI runs it")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n_tasks, args.users, args.posts, args.busy, args.runs, args.http_runs = 2_000, 40, 8, 50, 3, 2
    started = time.perf_counter()
    with pg_database(args.pg_admin, None) as url:
        if url is None:
            return 1
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        app = create_app(make_settings(url))
        with app.app_context():
            pg_version = str(db.session.execute(text("SHOW server_version")).scalar())
            rec = Recorder(db.engine)
            db.session.remove()
        try:
            ids = fill(app, dsn, args)
            print("measuring ...", flush=True)
            results = measure_all(app, rec, ids, args.runs)
            http = {u: http_run(app, rec, u, args.http_runs) for u in ("u000000", "quiet")}
            quiet = run_scenario(app, rec, ids["quiet"], InboxQuery(), min(20, args.runs))
            slowest = sorted(results, key=lambda lr: pct(lr[1]["sql"]["all SQL"], 95), reverse=True)
            plans = explain(app, results[0][1]["last"], {"counts", "page"})
            for label, r in slowest[:2]:
                if label != results[0][0]:
                    plans += [f"=== {label}", *explain(app, r["last"], {"counts", "page", "total"})]
        finally:
            rec.close()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    print()
    print("=" * 110)
    print("Zero-Legwork: the first inbox page of a busy user (bench/inbox.py)")
    print("=" * 110)
    for line in machine(pg_version):
        print(line)
    print(f"command:    .venv/bin/python -m bench.inbox {' '.join(sys.argv[1:])}".rstrip())
    print(
        f"data:       {args.n_tasks:,} human tasks, {args.users:,} users, {args.posts} posts; the busy user's post "
        f"holds {ids['at_busy']:,} ready tasks"
    )
    print(
        f"samples:    {args.runs} calls per scenario after 5 warm-up calls; times in ms; SQL = time inside "
        "cursor.execute, summed over the call's statements"
    )
    print(f"load:       1/5/15-min load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("\n".join(table(results)))
    print()
    print("Statements per inbox request:")
    print(
        f"  service call: busy user ({ids['at_busy']:,} waiting) {sorted(results[0][1]['statements'])}, "
        f"quiet user (none waiting) {sorted(quiet['statements'])}"
    )
    for username, r in http.items():
        who = "busy user" if username != "quiet" else "quiet user"
        print(
            f"  GET / ({who}): statements {sorted(r['statements'])}, "
            f"p50 {pct(r['wall'], 50):.2f} ms, p95 {pct(r['wall'], 95):.2f} ms"
        )
    print()
    first = pct(results[0][1]["sql"]["all SQL"], 95)
    filtered = [(lb, pct(r["sql"]["all SQL"], 95)) for lb, r in results[1:7]]
    worst_label, worst = max(((lb, pct(r["sql"]["all SQL"], 95)) for lb, r in results), key=lambda x: x[1])
    print(
        f"goal p95 <= {GOAL_MS:.0f} ms, SQL of the first page: {first:.2f} ms "
        f"({'met' if first <= GOAL_MS else 'MISSED'}); slowest scenario: {worst_label} {worst:.2f} ms"
    )
    missed = [f"{lb} {v:.2f} ms" for lb, v in filtered if v > GOAL_MS]
    print(
        f"goal p95 <= {GOAL_MS:.0f} ms, SQL of every filtered first page (name, code, region, due, process, "
        f"combined): {'met' if not missed else 'MISSED: ' + '; '.join(missed)}"
    )
    print()
    print("EXPLAIN ANALYZE (default page, then the slowest scenarios):")
    print("\n".join(plans))
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
