"""A multi-instance sign-off over 10,000 items: bounded memory and time (issue 11, the fault list's last line).

Run from the repository root:

    .venv/bin/python -m bench.wide_mi [--smoke] [--items 10000] [--compare 10000] [--db sqlite,postgresql]

The wide sign-off (tests/engine/fixtures/wide_signoff.bpmn: one parallel multi-instance department
review over `departments`, then a tally script) is started with N items spread over the demo's twenty
district departments, and every item is signed through `inbox.services.complete` as the department's
handler, one commit each — what the task page's POST does. Each database runs in a process of its
own so that its peak memory (ru_maxrss) is its own. Printed per database: the start (fan-out: the
human_task rows), the stored state, every completion (p50/p95/max of those before the last, the last
one with the join and the tally), the statements of one item's completion, the process's peak RSS.

`--compare N`: the same sign-off with the items kept in the engine state (ZLW_MI_DETACH_AT above N, what
SpiffWorkflow does by itself), its start and its first three completions, for the before/after.

The bounds (full mode): an item's completion p95 <= 50 ms, the join <= 5 s, peak RSS <= 512 MB, state
< 1 MB; PASS or FAIL is printed and the exit status is 1 on a FAIL. --smoke: 300 items, compare 300,
SQLite only; figures printed, bounds not judged.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from bench.engine import PG_ADMIN_URL, pg_database
from tests.conftest import make_settings
from tests.engine.wide_support import deploy_wide_signoff, twenty_departments
from zerolegwork import create_app, demo
from zerolegwork.engine import runtime
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import User

BOUNDS = {"p95_ms": 50.0, "join_s": 5.0, "rss_mb": 512.0, "state_bytes": 1_000_000}
APPROVE = {"decision": "approve", "opinion": "同意。"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, items: int, detach_at: int, completions: int | None) -> dict[str, Any]:
    """Start the sign-off over `items` items and sign `completions` of them (None: all); the figures."""
    app = create_app(make_settings(url))
    app.config["ZLW"].mi_detach_at = detach_at
    out: dict[str, Any] = {"items": items, "detach_at": detach_at}
    with app.app_context(), tempfile.TemporaryDirectory() as tmp:
        db.create_all()
        demo.seed()
        db.session.commit()
        deploy_wide_signoff(Path(tmp))
        departments = twenty_departments()
        users = {code: db.session.get(User, uid) for code, uid in departments}
        codes = [code for code, _ in departments]
        out["rss_before_mb"] = rss_mb()
        t = time.perf_counter()
        started = runtime.start_instance(
            "wide_signoff", {"departments": [codes[i % len(codes)] for i in range(items)], "tally_runs": 0}
        )
        db.session.commit()
        out["start_s"] = time.perf_counter() - t
        instance_id = started.instance_id
        out["state_bytes"] = len(db.session.get(ProcessInstance, instance_id).state)
        tasks = db.session.execute(
            select(HumanTask.id, HumanTask.org_code).where(HumanTask.instance_id == instance_id).order_by(HumanTask.id)
        ).all()
        out["rows"] = len(tasks)
        todo = tasks if completions is None else tasks[:completions]
        times: list[float] = []
        statements: list[int] = []
        counted: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            counted.append(statement)

        for n, (task_id, code) in enumerate(todo):
            user = users[code]
            _ = user.org.code  # loaded as the login manager does, before the clock
            if n == 1:
                event.listen(db.engine, "before_cursor_execute", count)
            t = time.perf_counter()
            inbox.complete(user, task_id, APPROVE)
            db.session.commit()
            times.append(time.perf_counter() - t)
            if n == 1:
                event.remove(db.engine, "before_cursor_execute", count)
                statements.append(len(counted))
        db.session.expire_all()
        instance = db.session.get(ProcessInstance, instance_id)
        out["status"] = instance.status
        if completions is None:
            data = runtime.instance_data(instance_id)
            out["tallied"], out["tally_runs"] = data.get("tallied"), data.get("tally_runs")
            out["join_s"] = times[-1]
            times = times[:-1]
        out["open_rows"] = db.session.scalar(
            select(func.count(HumanTask.id)).where(HumanTask.instance_id == instance_id, HumanTask.state == "ready")
        )
        out["completed"] = len(todo)
        out["p50_ms"] = statistics.median(times) * 1000 if times else None
        out["p95_ms"] = (statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)) * 1000
        out["max_ms"] = max(times) * 1000
        out["statements"] = statements[0] if statements else None
        out["rss_mb"] = rss_mb()
        db.session.remove()
        db.engine.dispose()
    return out


def start_here(items: int, org_codes: list[str]) -> int:
    """Deploy the wide sign-off into the database the environment names and start it over `items` items.

    What bench/faults.py's wide_mi scenario runs against the stack (`--start-here`); prints the instance id.
    """
    app = create_app()
    with app.app_context(), tempfile.TemporaryDirectory() as tmp:
        deploy_wide_signoff(Path(tmp))
        codes = [org_codes[i % len(org_codes)] for i in range(items)]
        started = runtime.start_instance("wide_signoff", {"departments": codes, "tally_runs": 0})
        db.session.commit()
        print(started.instance_id)
    return 0


def child(args: argparse.Namespace) -> int:
    """One database, one process: print the figures as one JSON line."""
    with pg_database(PG_ADMIN_URL, None) if args.db == "postgresql" else SqliteFile() as url:
        if url is None:
            print(json.dumps({"skipped": "PostgreSQL not reachable"}))
            return 0
        completions = None if args.mode == "detached" else 3
        detach_at = 200 if args.mode == "detached" else args.items + 1
        print(json.dumps(measure(url, args.items, detach_at, completions)))
    return 0


class SqliteFile:
    def __enter__(self) -> str:
        self.tmp = tempfile.TemporaryDirectory()
        return f"sqlite:///{self.tmp.name}/bench.db"

    def __exit__(self, *exc: Any) -> None:
        self.tmp.cleanup()


def run_child(db_name: str, mode: str, items: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.wide_mi", "--child", "--db", db_name, "--mode", mode, "--items", str(items)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{db_name}/{mode} failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def judge(r: dict[str, Any]) -> list[str]:
    problems = []
    if r["p95_ms"] > BOUNDS["p95_ms"]:
        problems.append(f"item completion p95 {r['p95_ms']:.1f} ms > {BOUNDS['p95_ms']:.0f}")
    if r["join_s"] > BOUNDS["join_s"]:
        problems.append(f"join {r['join_s']:.2f} s > {BOUNDS['join_s']:.0f}")
    if r["rss_mb"] > BOUNDS["rss_mb"]:
        problems.append(f"peak RSS {r['rss_mb']:.0f} MB > {BOUNDS['rss_mb']:.0f}")
    if r["state_bytes"] >= BOUNDS["state_bytes"]:
        problems.append(f"state {r['state_bytes']:,} bytes")
    if r["status"] != "completed" or r["tally_runs"] != 1 or r["tallied"] != r["items"] or r["open_rows"]:
        problems.append(f"outcome: {r['status']}, tally ran {r['tally_runs']}x over {r['tallied']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wide_mi", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="300 items, SQLite only, bounds not judged")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--compare", type=int, default=None, help="items for the in-state run (default: --items)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start-here", default="", help=argparse.SUPPRESS)  # org codes, comma-separated
    parser.add_argument("--mode", default="detached", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    if args.start_here:
        return start_here(args.items, args.start_here.split(","))
    items = 300 if args.smoke else args.items
    compare = 300 if args.smoke else (args.compare if args.compare is not None else items)
    databases = ["sqlite"] if args.smoke else args.db.split(",")
    print(f"# bench/wide_mi.py — {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(
        "| database | items kept | items | start s | state bytes | completion p50 / p95 / max ms | last (join) s "
        "| statements | peak RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    failed = []
    for name in databases:
        for mode, n in (("in-state", compare), ("detached", items)):
            if n <= 0:
                continue
            r = run_child(name, mode, n)
            if "skipped" in r:
                print(f"| {name} | {mode} | — | {r['skipped']} |")
                continue
            join = f"{r['join_s']:.3f}" if "join_s" in r else f"(first {r['completed']} only)"
            p50 = f"{r['p50_ms']:.2f}" if r["p50_ms"] is not None else "—"
            print(
                f"| {name} | {'outside the state' if mode == 'detached' else 'in the engine state'} | {n:,} "
                f"| {r['start_s']:.2f} | {r['state_bytes']:,} | {p50} / {r['p95_ms']:.2f} / {r['max_ms']:.1f} "
                f"| {join} | {r['statements']} | {r['rss_mb']:.0f} |",
                flush=True,
            )
            if mode == "detached" and not args.smoke:
                problems = judge(r)
                print(f"{name}: {'PASS' if not problems else 'FAIL: ' + '; '.join(problems)}")
                failed += problems
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
