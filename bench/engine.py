"""Benchmark one department completion of the joint sign-off: bare engine, service call, HTTP.

Run from the repository root:

    .venv/bin/python -m bench.engine [--n 200] [--warmup 20] [--pg-url URL] [--no-pg] [--profile auto|always|never]

(a) bare SpiffWorkflow cycle, no database: load_state (spec already parsed and cached) -> add the
    form data to the READY department task and run it -> refresh_timers + do_engine_steps ->
    dump_state. The platform's own load_state/dump_state and restricted script engine are used.
(b) zerolegwork.inbox.services.complete(user, task_id, answers) + db.session.commit(), on SQLite
    and on PostgreSQL. The user is loaded before the clock starts, as the login manager does.
(c) POST /tasks/<id> through Flask's test client, signed in beforehand through POST /login, on
    SQLite and on PostgreSQL. No application context is held around the request, so each
    request gets its own session exactly as in production.

One measured iteration completes one department task (finance, ndrc, environment, housing in
that order); a fresh project and sign-off instance is started, outside the clock, whenever all
four are done. Every SQL statement the DB-API cursor executes is counted through SQLAlchemy's
before_cursor_execute event on db.engine; commits (a DB-API call, not a statement) and pool
checkouts (one extra round trip each on PostgreSQL, where pool_pre_ping is on) are counted apart.

When a goal is missed (or with --profile always) the phases of (b) are timed by wrapping the runtime's
functions for a while (nothing under zerolegwork/ is changed), and (b) and (c) are run under cProfile.

The SQLite database is a temporary file. For PostgreSQL the benchmark creates its own database on
postgresql://postgres@127.0.0.1:5432/test and drops it at the end; --pg-url uses an existing,
empty scratch database instead (tables are created if missing, nothing is dropped).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from flask import Flask
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select, text

from bench import paths
from tests.conftest import deploy_repository, make_settings
from zerolegwork import create_app, demo, jobs
from zerolegwork.engine import runtime
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.models import HumanTask, HumanTaskState
from zerolegwork.engine.scripting import make_script_engine
from zerolegwork.engine.specs import build_spec
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import User
from zerolegwork.projects import services as projects

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PROCESS = "joint_signoff"
ANSWERS = {"decision": "approve", "opinion": "同意。材料齐全，符合规划要求。"}
DEPARTMENTS = ["finance", "ndrc", "environment", "housing"]  # the order tasks are completed in
USERNAMES = {code: username for code, _type, username, _display in demo.CITY_DEPARTMENTS}
GOAL_RATIO = 2.0
GOAL_STATEMENTS = 10
PEER_NOTE = "peer Flask + SpiffWorkflow platform on this kind of machine: 76 statements, ~50x the bare engine cycle"


# ---------------------------------------------------------------------------------------------
# statistics and counting


def pct(values: list[float], p: float) -> float:
    """Percentile with linear interpolation between closest ranks (p in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


class SqlCounter:
    """Count every statement the engine's cursors execute, plus commits and pool checkouts."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.reset()
        self._hooks = [
            (engine, "before_cursor_execute", self._before),
            (engine, "after_cursor_execute", self._after),
            (engine, "commit", self._commit),
            (engine, "rollback", self._rollback),
            (engine.pool, "checkout", self._checkout),
        ]
        for target, name, fn in self._hooks:
            event.listen(target, name, fn)

    def close(self) -> None:
        for target, name, fn in self._hooks:
            event.remove(target, name, fn)

    def reset(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.statements: list[str] = []
        self.sql_time = 0.0
        self.commits = 0
        self.rollbacks = 0
        self.checkouts = 0
        self._t0 = 0.0

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        words = statement.split(None, 1)
        self.kinds[words[0].upper() if words else "?"] += 1
        self.statements.append(" ".join(statement.split()))
        self._t0 = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        self.sql_time += time.perf_counter() - self._t0

    def _commit(self, conn: Any) -> None:
        self.commits += 1

    def _rollback(self, conn: Any) -> None:
        self.rollbacks += 1

    def _checkout(self, dbapi_conn: Any, record: Any, proxy: Any) -> None:
        self.checkouts += 1


@dataclass
class Sample:
    seconds: float  # wall clock
    cpu: float  # CPU time of this process (the PostgreSQL server's work is not in it)
    closing: bool  # this completion finished the instance (tally, gateway, end, project state)
    kinds: Counter[str] = field(default_factory=Counter)
    sql_time: float = 0.0
    commit_time: float = 0.0
    commits: int = 0
    checkouts: int = 0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def statements(self) -> int:
        return sum(self.kinds.values())

    @property
    def before_commit(self) -> float:
        return self.seconds - self.commit_time


@dataclass
class Run:
    label: str
    samples: list[Sample] = field(default_factory=list)
    sample_sql: dict[str, list[str]] = field(default_factory=dict)  # "ordinary"/"closing" -> statements

    def values(self, attr: str = "seconds", closing: bool | None = None) -> list[float]:
        return [getattr(s, attr) for s in self.samples if closing is None or s.closing == closing]

    def p50(self, attr: str = "seconds", closing: bool | None = None) -> float:
        return pct(self.values(attr, closing), 50)

    def p99(self, attr: str = "seconds") -> float:
        return pct(self.values(attr), 99)

    def mean(self, attr: str = "seconds") -> float:
        xs = self.values(attr)
        return statistics.fmean(xs) if xs else float("nan")

    def mean_stmts(self, closing: bool | None = None) -> float:
        xs = [s.statements for s in self.samples if closing is None or s.closing == closing]
        return statistics.fmean(xs) if xs else float("nan")

    def max_stmts(self) -> int:
        return max((s.statements for s in self.samples), default=0)

    def kind_means(self, closing: bool | None = None) -> dict[str, float]:
        chosen = [s for s in self.samples if closing is None or s.closing == closing]
        total: Counter[str] = Counter()
        for s in chosen:
            total.update(s.kinds)
        return {k: v / len(chosen) for k, v in sorted(total.items())} if chosen else {}


# ---------------------------------------------------------------------------------------------
# set-up


def start_data(project_id: int = 0) -> dict[str, Any]:
    """The start data submit_for_signoff hands to the sign-off process."""
    return {
        "project_unit": "demo_unit",
        "departments": list(DEPARTMENTS),
        "category": "市政道路",  # the routing table (signoff_departments.dmn) picks the four departments from it
        "project_id": project_id,
        "project_name": "基准测试项目",
        "project_code": "BENCH-0",
        "planned_investment": "1000.0000",
        "round_no": 0,
        "opinions": [],
        "revise_limit": "P30D",
    }


def build_app(url: str) -> Flask:
    """An app on `url` with the tables, the deployed diagrams and the demo people and projects."""
    app = create_app(make_settings(url))
    with app.app_context():
        db.create_all()
        if db.session.scalar(select(User.id).limit(1)) is not None:
            raise SystemExit(f"{url}: the database already has users; give an empty scratch database")
        deploy_repository()
        demo.seed()
        db.session.commit()
        db.session.remove()
    return app


def close_app(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Fixture:
    """Starts fresh sign-off instances through the services (outside the clock)."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.seq = 0
        self.unit_user_id = db.session.scalar(select(User.id).where(User.username == "unit1"))
        self.user_ids = {
            d: db.session.scalar(select(User.id).where(User.username == USERNAMES[d])) for d in DEPARTMENTS
        }

    def new_instance(self) -> list[tuple[str, int]]:
        """Create a draft project, submit it, run the notification job; return (org, task id) in order."""
        self.seq += 1
        unit = db.session.get(User, self.unit_user_id)
        assert unit is not None
        project = projects.create_project(
            f"BENCH-{self.tag}-{self.seq:06d}", "基准测试项目", unit.org_id, "市本级", "市政道路", Decimal("1000")
        )
        projects.submit_for_signoff(unit, project.id)
        db.session.commit()
        jobs.dispatch_committed()  # what the web's after_request does after the unit submits
        rows = db.session.execute(
            select(HumanTask.org_code, HumanTask.id).where(
                HumanTask.project_id == project.id, HumanTask.state == HumanTaskState.READY
            )
        ).all()
        by_org = {org: tid for org, tid in rows}
        assert sorted(by_org) == sorted(DEPARTMENTS), by_org
        return [(d, by_org[d]) for d in DEPARTMENTS]


# ---------------------------------------------------------------------------------------------
# the benchmarks: each step() completes one department task and returns its Sample


class EngineBench:
    """(a) load_state -> add form data, run the READY task -> engine steps -> dump_state; no DB."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.run = Run("(a) bare engine cycle (no DB)")
        with app.app_context():
            catalog = load_catalog(ROOT / "bpmn", ROOT / "forms")
            bundle = catalog.bundles[PROCESS]
            self.built = build_spec(PROCESS, bundle.sha256, bundle.as_dict)
            cfg = app.config["ZLW"]
            wf = BpmnWorkflow(
                self.built.spec,
                self.built.subprocess_specs,
                script_engine=make_script_engine(cfg.script_time_limit, cfg.script_max_range),
            )
            wf.task_tree.data.update(start_data())
            wf.refresh_timers()
            wf.do_engine_steps()
            self.state0 = runtime.dump_state(wf)
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            self.guids = {t.data["department"]: str(t.id) for t in ready}
        assert sorted(self.guids) == sorted(DEPARTMENTS)
        self.state, self.k = self.state0, 0

    def step(self) -> Sample:
        dept = DEPARTMENTS[self.k]
        with self.app.app_context():  # load_state reads the script limits from the app's config
            c0 = time.process_time()
            t0 = time.perf_counter()
            wf = runtime.load_state(self.state, self.built)
            t1 = time.perf_counter()
            task = wf.get_task_from_id(UUID(self.guids[dept]))
            assert task is not None and task.state == TaskState.READY
            data = dict(
                ANSWERS,
                signed_by="基准 审查员",
                signed_by_id=1,
                signed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                task=task.task_spec.bpmn_id,
                department=task.data["department"],
            )
            task.task_spec.add_data_from_form(task, data)
            task.run()
            wf.refresh_timers()
            wf.do_engine_steps()
            t2 = time.perf_counter()
            self.state = runtime.dump_state(wf)
            t3 = time.perf_counter()
            c3 = time.process_time()
        self.k += 1
        closing = self.k == len(DEPARTMENTS)
        if closing:
            assert wf.is_completed() and wf.data["project_state"] == "approved"
            self.state, self.k = self.state0, 0
        return Sample(
            t3 - t0, c3 - c0, closing, phases={"load_state": t1 - t0, "run+steps": t2 - t1, "dump_state": t3 - t2}
        )


class ServiceBench:
    """(b) inbox.services.complete(user, task_id, answers) + db.session.commit()."""

    def __init__(self, app: Flask, counter: SqlCounter, db_name: str) -> None:
        self.app = app
        self.counter = counter
        self.run = Run(f"(b) service + commit, {db_name}")
        with app.app_context():
            self.fixture = Fixture("S" + uuid.uuid4().hex[:6])
        self.pending: list[tuple[str, int]] = []

    def step(self, profiler: cProfile.Profile | None = None, timer: PhaseTimer | None = None) -> Sample:
        # A fresh application context, hence a fresh session, per completion: like a request.
        with self.app.app_context():
            if not self.pending:
                self.pending = self.fixture.new_instance()
                db.session.remove()
            dept, task_id = self.pending.pop(0)
            user = db.session.get(User, self.fixture.user_ids[dept])  # the login manager's job
            assert user is not None
            counter = self.counter
            counter.reset()
            if profiler is not None:
                profiler.enable()
            if timer is not None:
                timer.armed = True
            c0 = time.process_time()
            t0 = time.perf_counter()
            result = inbox.complete(user, task_id, dict(ANSWERS))
            t1 = time.perf_counter()
            db.session.commit()
            t2 = time.perf_counter()
            c2 = time.process_time()
            if timer is not None:
                timer.armed = False
            if profiler is not None:
                profiler.disable()
            closing = not self.pending
            assert result.status == ("completed" if closing else "running"), result.status
            sample = Sample(
                t2 - t0,
                c2 - c0,
                closing,
                Counter(counter.kinds),
                counter.sql_time,
                t2 - t1,
                counter.commits,
                counter.checkouts,
            )
            self.run.sample_sql.setdefault("closing" if closing else "ordinary", list(counter.statements))
            jobs.dispatch_committed()  # an approval queues no job; kept so nothing piles up
        return sample


class HttpBench:
    """(c) POST /tasks/<id> with decision/opinion through the test client, signed in beforehand."""

    def __init__(self, app: Flask, counter: SqlCounter, db_name: str) -> None:
        self.app = app
        self.counter = counter
        self.run = Run(f"(c) HTTP POST /tasks/<id>, {db_name}")
        with app.app_context():
            self.fixture = Fixture("H" + uuid.uuid4().hex[:6])
        self.clients = {}
        for dept in DEPARTMENTS:
            client = app.test_client()
            resp = client.post("/login", data={"username": USERNAMES[dept], "password": demo.DEMO_PASSWORD})
            assert resp.status_code == 302, (dept, resp.status_code)
            self.clients[dept] = client
        self.pending: list[tuple[str, int]] = []

    def step(self, profiler: cProfile.Profile | None = None) -> Sample:
        if not self.pending:
            with self.app.app_context():
                self.pending = self.fixture.new_instance()
        dept, task_id = self.pending.pop(0)
        counter = self.counter
        counter.reset()
        # No application context is held here: the request pushes its own, so it gets its own
        # session and its teardown (session removal) is inside the measurement, as in production.
        if profiler is not None:
            profiler.enable()
        c0 = time.process_time()
        t0 = time.perf_counter()
        resp = self.clients[dept].post(f"/tasks/{task_id}", data=ANSWERS)
        t1 = time.perf_counter()
        c1 = time.process_time()
        if profiler is not None:
            profiler.disable()
        assert resp.status_code == 302, (resp.status_code, resp.get_data(as_text=True)[:500])
        # A browser follows the redirect, whose page consumes the flash message; drop it here instead
        # so the session cookie does not grow from one completion to the next.
        with self.clients[dept].session_transaction() as flask_session:
            flask_session.pop("_flashes", None)
        closing = not self.pending
        self.run.sample_sql.setdefault("closing" if closing else "ordinary", list(counter.statements))
        return Sample(
            t1 - t0, c1 - c0, closing, Counter(counter.kinds), counter.sql_time, 0.0, counter.commits, counter.checkouts
        )


def measure(benches: list[Any], n: int, warmup: int) -> None:
    """Interleave the benchmarks one instance (4 completions) at a time, rotating their order each
    round, so a load change on this shared machine hits every row alike."""
    per = len(DEPARTMENTS)
    warm_rounds = -(-warmup // per)
    rounds = warm_rounds + -(-n // per)
    for r in range(rounds):
        order = benches[r % len(benches) :] + benches[: r % len(benches)]
        for bench in order:
            for _ in range(per):
                sample = bench.step()
                if r >= warm_rounds and len(bench.run.samples) < n:
                    bench.run.samples.append(sample)


# ---------------------------------------------------------------------------------------------
# reporting


def machine(pg_version: str | None) -> list[str]:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sqlalchemy

    return [
        f"date:       {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"cpu:        {cpu}, {os.cpu_count()} cores",
        f"python:     {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"sqlite:     {sqlite3.sqlite_version}",
        f"postgresql: {pg_version or 'not measured'}",
        f"libraries:  SpiffWorkflow {_v('SpiffWorkflow')}, SQLAlchemy {sqlalchemy.__version__}, "
        f"Flask {_v('flask')}, Flask-SQLAlchemy {_v('flask-sqlalchemy')}, psycopg {_v('psycopg')}",
    ]


def _v(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def report(runs: list[Run], engine: Run, args: argparse.Namespace, pg_version: str | None) -> bool:
    """Print everything; return True when every goal is met."""
    print()
    print("=" * 110)
    print("Zero-Legwork: one department completion of the joint sign-off (4 departments, all approve)")
    print("=" * 110)
    for line in machine(pg_version):
        print(line)
    print(f"command:    .venv/bin/python -m bench.engine {' '.join(sys.argv[1:])}".rstrip())
    print(f"samples:    {args.n} measured completions per row after {args.warmup} warm-up completions, interleaved")
    print(f"load:       1/5/15-min load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    a50, a_cpu = engine.p50(), engine.p50("cpu")
    head = (
        f"{'benchmark':<36}{'p50 ms':>8}{'p99 ms':>8}{'mean ms':>9}{'cpu p50':>9}"
        f"{'b|c/a':>7}{'cpu/a':>7}{'stmts':>7}{'ord':>5}{'close':>6}"
    )
    print(head)
    print("-" * len(head))
    for run in [engine, *runs]:
        stm = o = c = ""
        if run is not engine:
            stm, o, c = f"{run.mean_stmts():.2f}", f"{run.mean_stmts(False):.0f}", f"{run.mean_stmts(True):.0f}"
        print(
            f"{run.label:<36}{ms(run.p50()):>8}{ms(run.p99()):>8}{ms(run.mean()):>9}{ms(run.p50('cpu')):>9}"
            f"{run.p50() / a50:>6.1f}x{run.p50('cpu') / a_cpu:>6.1f}x{stm:>7}{o:>5}{c:>6}"
        )
    print()
    print("b|c/a = p50 wall-clock ratio to (a); cpu/a = the same with this process's CPU time (robust to other")
    print("load on the machine; leaves out the PostgreSQL server's own work). stmts = SQL statements per completion")
    print("(mean); ord = completions 1-3 of an instance; close = the 4th, which also runs tally/gateway/end and")
    print("moves the project to 'approved'.")
    print()
    print("p50 ms by completion kind (wall):")
    for run in [engine, *runs]:
        print(f"  {run.label:<36} ordinary {ms(run.p50(closing=False)):>7}  closing {ms(run.p50(closing=True)):>7}")
    ph = {k: pct([s.phases[k] for s in engine.samples], 50) for k in engine.samples[0].phases}
    print()
    print("(a) phases, p50 ms: " + ", ".join(f"{k} {ms(v)}" for k, v in ph.items()))
    for run in runs:
        if run.label.startswith("(b)"):
            print(
                f"{run.label}: before commit p50 {ms(run.p50('before_commit'))} ms, commit() p50 "
                f"{ms(run.p50('commit_time'))} ms (p99 {ms(run.p99('commit_time'))}), "
                f"inside cursor.execute p50 {ms(run.p50('sql_time'))} ms"
            )
    print()
    print("Statement breakdown per completion (mean over all / ordinary / closing):")
    for run in runs:
        kinds = run.kind_means()
        parts = [
            f"{k} {v:.2f}/{run.kind_means(False).get(k, 0):.0f}/{run.kind_means(True).get(k, 0):.0f}"
            for k, v in kinds.items()
        ]
        print(f"  {run.label:<36} " + ", ".join(parts))
        print(
            f"  {'':<36} + COMMIT {statistics.fmean(s.commits for s in run.samples):.2f} (a DB-API call, not a cursor"
            f" statement); pool checkouts {statistics.fmean(s.checkouts for s in run.samples):.2f}"
        )
    print("  Not seen by before_cursor_execute, on PostgreSQL: psycopg sends BEGIN as a round trip of its own,")
    print("  and each pool checkout first pings the server with SELECT 1 (pool_pre_ping=True in config.py).")
    print()
    print("Statements of one ordinary and one closing completion, in order:")
    for run in runs:
        for kind in ("ordinary", "closing"):
            print(f"  {run.label} - {kind}:")
            for stmt in run.sample_sql.get(kind, []):
                print(f"    {stmt[:160]}")
    print()
    print("Goals (from the issue):")
    ok = True
    for run in runs:
        if run.label.startswith("(b)"):
            commit = run.p50("commit_time")
            limit = GOAL_RATIO * a50 + commit
            met = run.p50() <= limit
            ok &= met
            print(
                f"  {run.label}: p50 {ms(run.p50())} ms vs 2 x (a) + one commit = 2 x {ms(a50)} + {ms(commit)} = "
                f"{ms(limit)} ms -> {'MET' if met else 'MISSED'} (b/a {run.p50() / a50:.1f}x wall, "
                f"{run.p50('cpu') / a_cpu:.1f}x CPU; before commit {run.p50('before_commit') / a50:.1f}x)"
            )
    for run in runs:
        met = run.max_stmts() <= GOAL_STATEMENTS
        ok &= met
        print(
            f"  {run.label}: statements per completion mean {run.mean_stmts():.2f}, max {run.max_stmts()} "
            f"vs at most {GOAL_STATEMENTS} -> {'MET' if met else 'MISSED'}"
        )
    print(f"  for comparison, {PEER_NOTE}")
    return ok


def print_profile(profiler: cProfile.Profile, label: str, count: int, limit: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    print()
    print(f"Profile of {count} completions of {label} (cProfile; times are totals over {count} completions)")
    for key in ("cumulative", "tottime"):
        out.seek(0)
        out.truncate()
        stats.sort_stats(key).print_stats(limit)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"--- sorted by {key} ---")
        print(body[start:] if start >= 0 else body)


class PhaseTimer:
    """Time named functions of the completion path (inclusive wall time) by wrapping them for a while.

    The functions are looked up through their module at call time, so wrapping the module attribute
    is enough; nothing under zerolegwork/ is changed on disk.
    """

    def __init__(self) -> None:
        from sqlalchemy.orm import Session

        from zerolegwork.audit import services as audit_services
        from zerolegwork.engine import state, steps, store

        self.targets: list[tuple[str, Any, str]] = [
            ("store.lock_instance_with_task: SELECT … FOR UPDATE", store, "lock_instance_with_task"),
            ("store.save_instance (UPDATE, version checked)", store, "save_instance"),
            ("store.complete_task_row (UPDATE)", store, "complete_task_row"),
            ("state.spec_for (spec cache hit)", runtime, "spec_for"),
            ("validate_answers", runtime, "validate_answers"),
            ("state.load_state", steps, "load_state"),
            ("  of which state.script_engine(): cached", state, "script_engine"),
            ("steps.ready_manual (1 call + 1 inside save)", steps, "ready_manual"),
            ("steps.current_data (2 calls)", steps, "current_data"),
            ("steps.run_engine: run task + engine steps", steps, "run_engine"),
            ("steps.save", steps, "save"),
            ("  of which state.dump_live", steps, "dump_live"),
            ("  of which state.next_timer", steps, "next_timer"),
            ("audit.record", audit_services, "record"),
            ("projects.follow_outcome", projects, "follow_outcome"),
            ("Session.flush (every flush, in save and commit)", Session, "flush"),
            ("Session._execute_internal (every ORM query)", Session, "_execute_internal"),
        ]
        self.totals: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.armed = False  # only the measured part of a step counts, not the instance set-up
        self._saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, label: str, fn: Any) -> Any:
        totals, calls = self.totals, self.calls

        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.armed:
                return fn(*args, **kwargs)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[label] += time.perf_counter() - t0
                calls[label] += 1

        return timed

    def __enter__(self) -> PhaseTimer:
        for label, owner, name in self.targets:
            original = getattr(owner, name)
            self._saved.append((owner, name, original))
            setattr(owner, name, self._wrap(label, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()


def phase_breakdown(bench: ServiceBench, count: int) -> list[str]:
    """Run `count` more completions with PhaseTimer on; return printable lines (ms per completion)."""
    samples: list[Sample] = []
    per_step: list[dict[str, float]] = []
    with PhaseTimer() as timer:
        for _ in range(count):
            timer.totals.clear()
            samples.append(bench.step(timer=timer))
            per_step.append(dict(timer.totals))
    calls = {label: n / count for label, n in timer.calls.items()}
    total = statistics.fmean(s.seconds for s in samples)
    lines = [
        f"Phase breakdown of {bench.run.label}, {count} completions (wall ms per completion, inclusive;",
        "nested rows are part of the row above them):",
        f"  {'phase':<52}{'p50':>7}{'mean':>7}{'share':>7}  calls",
        f"  {'whole completion (service call + commit)':<52}{pct([s.seconds for s in samples], 50) * 1000:>7.2f}"
        f"{total * 1000:>7.2f}{1:>7.0%}",
    ]

    def row(label: str, values: list[float], n: float | None = None) -> str:
        mean = statistics.fmean(values)
        extra = f"  {n:.2f}" if n is not None else ""
        return f"  {label:<52}{pct(values, 50) * 1000:>7.2f}{mean * 1000:>7.2f}{mean / total:>7.0%}{extra}"

    for label, _owner, _name in timer.targets:
        lines.append(row(label, [d.get(label, 0.0) for d in per_step], calls.get(label, 0.0)))
    lines.append(row("db.session.commit() (its flush + COMMIT)", [s.commit_time for s in samples]))
    lines.append(row("time inside cursor.execute (every statement)", [s.sql_time for s in samples]))
    return lines


# ---------------------------------------------------------------------------------------------
# the other completion paths (bench/paths.py): reject, return, add signer, countersign ...


def measure_paths(app: Flask, counter: SqlCounter, db_name: str, n: int) -> list[str]:
    """Time `n` runs of every path of bench/paths.py (action + commit); return printable lines."""
    lines = [
        f"Completion paths on {db_name}, {n} runs each (set-up outside the clock; action + commit):",
        f"  {'path':<58}{'p50 ms':>8}{'max ms':>8}{'stmts':>7}{'goal':>6}",
    ]
    for path in paths.PATHS:
        seconds: list[float] = []
        counts: set[int] = set()
        for _ in range(n):
            with app.app_context():
                act = path.prepare()
                db.session.remove()  # a fresh session for the action, as a request gets
                counter.reset()
                t0 = time.perf_counter()
                act()
                db.session.commit()
                seconds.append(time.perf_counter() - t0)
                counts.add(sum(counter.kinds.values()))
                jobs.dispatch_committed()
        shown = "/".join(str(c) for c in sorted(counts))
        mark = "" if max(counts) <= path.goal else "  MISSED"
        p50, worst = pct(seconds, 50) * 1000, max(seconds) * 1000
        lines.append(f"  {path.label:<58}{p50:>8.2f}{worst:>8.2f}{shown:>7}{path.goal:>6}{mark}")
    return lines


# ---------------------------------------------------------------------------------------------
# PostgreSQL database of our own


@contextmanager
def pg_database(admin_url: str, given_url: str | None) -> Iterator[str | None]:
    if given_url:
        yield given_url
        return
    try:
        import psycopg

        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except Exception as exc:  # any failure means the service is not usable
        print(f"note: PostgreSQL at {admin_url} is not reachable ({exc}); PostgreSQL figures are skipped")
        yield None
        return
    name = f"zlw_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="measured completions per benchmark (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up completions per benchmark (default 20)")
    parser.add_argument("--pg-url", default=None, help="use this existing, empty PostgreSQL database instead")
    parser.add_argument("--pg-admin", default=PG_ADMIN_URL, help=f"where to create our own database ({PG_ADMIN_URL})")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--profile",
        choices=["auto", "always", "never"],
        default="auto",
        help="time the phases of (b) and cProfile (b) and (c) on each database (auto: only when a goal is missed)",
    )
    parser.add_argument("--profile-n", type=int, default=40, help="completions to profile (default 40)")
    parser.add_argument("--profile-lines", type=int, default=30, help="lines per profile listing (default 30)")
    parser.add_argument("--paths-n", type=int, default=20, help="runs of each other completion path (default 20)")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny scale, every section run once (profile included); CI runs it"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.warmup, args.profile, args.profile_n, args.profile_lines, args.paths_n = 8, 4, "always", 4, 5, 1
    started = time.perf_counter()

    apps: list[tuple[str, Flask]] = []
    counters: list[SqlCounter] = []
    pg_version: str | None = None
    with tempfile.TemporaryDirectory(prefix="zlw-bench-") as tmp:
        apps.append(("SQLite", build_app(f"sqlite:///{Path(tmp) / 'bench.db'}")))
        with _none() if args.no_pg else pg_database(args.pg_admin, args.pg_url) as pg_url:
            if pg_url:
                pg_app = build_app(pg_url)
                with pg_app.app_context():
                    pg_version = str(db.session.execute(text("SHOW server_version")).scalar())
                    db.session.remove()
                apps.append(("PostgreSQL", pg_app))
            elif args.no_pg:
                print("note: --no-pg given; PostgreSQL figures are skipped")
            try:
                engine_bench = EngineBench(apps[0][1])
                services, https = [], []
                for name, app in apps:
                    with app.app_context():
                        counter = SqlCounter(db.engine)
                    counters.append(counter)
                    services.append(ServiceBench(app, counter, name))
                    https.append(HttpBench(app, counter, name))
                print(f"measuring {args.warmup} + {args.n} completions per benchmark ...", flush=True)
                measure([engine_bench, *services, *https], args.n, args.warmup)
                runs = [b.run for b in (*services, *https)]
                ok = report(runs, engine_bench.run, args, pg_version)
                for (name, app), counter in zip(apps, counters, strict=True):
                    print()
                    print("\n".join(measure_paths(app, counter, name, args.paths_n)))
                if args.profile == "always" or (args.profile == "auto" and not ok):
                    for bench in services:
                        print()
                        print("\n".join(phase_breakdown(bench, args.profile_n)))
                    for bench in (*services, *https):
                        profiler = cProfile.Profile()
                        for _ in range(args.profile_n):
                            bench.step(profiler=profiler)
                        print_profile(profiler, bench.run.label, args.profile_n, args.profile_lines)
            finally:
                for counter in counters:
                    counter.close()
                for _name, app in apps:
                    close_app(app)
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")
    return 0


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
