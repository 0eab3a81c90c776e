"""Load held (issue 11 item 6): N simulated people against the real deployment shape over loopback.

Run from the repository root (`make load`):

    .venv/bin/python -m bench.load [--smoke] [--seconds 60] [--units 2] [--signers 4] [--readers 2] [--workers 1,2]

For each web worker count, deploy/stack.py starts gunicorn + PostgreSQL + Redis (db 13) + two rq workers
+ the relay. Projects are added to the demo unit's library beforehand (outside the clock). Then, for
`--seconds`, each simulated person signs in once and loops: a unit submits its next draft project for
the joint sign-off; each department reads its inbox and signs the tasks it finds; readers open the
inbox, the project library and the reports. Printed: completions (department sign-offs) per second,
p95 per page, errors (any answer other than 200/302), and the lost-work check: every sign-off
acknowledged with a 302 is a completed task row in the database, and every submitted project has its
four departments' tasks. --smoke: 1 web worker, 8 seconds, fewer people (CI runs it).
--reports-replica: the stack's report pages read through ZLW_REPORTS_DATABASE_URL, a second engine on the
same database named `application_name=zlw-reports`; the run also checks that its connections were opened.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from deploy.client import SIGNERS, Answer, Client
from deploy.stack import Stack


def add_projects(stack: Stack, n: int) -> list[int]:
    """n more draft projects of the demo unit, written through the services (outside the clock)."""
    from sqlalchemy import select

    from tests.conftest import make_settings
    from zerolegwork import create_app
    from zerolegwork.extensions import db
    from zerolegwork.projects import services as projects
    from zerolegwork.projects.models import Project

    app = create_app(make_settings(stack.database_url))
    with app.app_context():
        model = db.session.scalars(select(Project).order_by(Project.id)).first()
        assert model is not None
        for i in range(n):
            projects.create_project(
                None, f"负载测试项目{i + 1:04d}", model.unit_id, model.region.name, model.category, Decimal("500")
            )
        db.session.commit()
        ids = list(db.session.scalars(select(Project.id).where(Project.state == "draft").order_by(Project.id)))
        db.session.remove()
        db.engine.dispose()
    return ids


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


class Run:
    """The simulated people of one run and what they saw."""

    def __init__(self, stack: Stack, drafts: list[int], seconds: float, units: int, signers: int, readers: int):
        self.stack = stack
        self.drafts = drafts
        self.lock = threading.Lock()
        self.deadline = 0.0
        self.seconds = seconds
        self.clients: list[Client] = []
        self.submitted: list[int] = []
        self.signed: list[int] = []
        self.people = [("unit", "unit1")] * units
        self.people += [("signer", SIGNERS[org]) for org in list(SIGNERS)[:signers]]
        self.people += [("reader", name) for name in ("ndrc1", "unit1")[:readers]]

    def next_draft(self) -> int | None:
        with self.lock:
            return self.drafts.pop(0) if self.drafts else None

    def person(self, role: str, client: Client) -> None:
        while time.monotonic() < self.deadline:
            if role == "unit":
                project_id = self.next_draft()
                if project_id is None:
                    time.sleep(0.2)
                    continue
                if client.submit(project_id).status == 302:
                    with self.lock:
                        self.submitted.append(project_id)
            elif role == "signer":
                tasks = client.inbox("joint_signoff")  # the sign-offs only, not the demo's other tasks
                for task_id in tasks[:3]:
                    if time.monotonic() >= self.deadline:
                        break
                    if client.sign(task_id).status == 302:
                        with self.lock:
                            self.signed.append(task_id)
                if not tasks:
                    time.sleep(0.2)
            else:
                client.inbox()
                client.projects()
                client.report()

    def go(self) -> float:
        for _role, name in self.people:
            client = Client(self.stack.base_url, name)
            client.login()
            self.clients.append(client)
        for client in self.clients:
            client.answers.clear()  # sign-ins are not the load
        self.deadline = time.monotonic() + self.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=self.person, args=(role, c), daemon=True)
            for (role, _name), c in zip(self.people, self.clients, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=self.seconds + 120)
        return time.monotonic() - started

    def lost(self) -> list[str]:
        """What was acknowledged but is not in the database."""
        problems = []
        if self.signed:
            done = self.stack.sql(
                "SELECT count(*) FROM human_task WHERE id = ANY(%s) AND state = 'completed'", self.signed
            )[0][0]
            if done != len(set(self.signed)):
                problems.append(f"{len(set(self.signed)) - done} acknowledged sign-offs are not completed")
        if self.submitted:
            rows = self.stack.sql(
                "SELECT project_id, count(*) FROM human_task WHERE project_id = ANY(%s) GROUP BY project_id",
                self.submitted,
            )
            short = [p for p, n in rows if n < len(SIGNERS)] + sorted(set(self.submitted) - {p for p, _ in rows})
            if short:
                problems.append(f"{len(short)} submitted projects lack their departments' tasks")
        return problems


REPORTS_APP_NAME = "zlw-reports"
SIZED_TABLES = (
    "human_task",
    "task_step",
    "audit_event",
    "outbox_job",
    "notification",
    "outgoing_mail",
    "process_instance",
    "instance_archive",
    "project",
)


def table_sizes(stack: Stack) -> dict[str, tuple[int, int]]:
    """Rows and bytes (table, indexes and TOAST) of the tables a sign-off writes, at the end of the run."""
    out = {}
    for name in SIZED_TABLES:
        rows = stack.sql(f'SELECT count(*), pg_total_relation_size(%s) FROM "{name}"', name)
        out[name] = (int(rows[0][0]), int(rows[0][1]))
    return out


def drain_seconds(stack: Stack, timeout: float = 300) -> float | None:
    """Seconds after the load stops until every outbox row is done or failed (None: not within `timeout`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not stack.sql("SELECT count(*) FROM outbox_job WHERE state IN ('pending', 'sent')")[0][0]:
            return time.monotonic() - started
        time.sleep(1)
    return None


def outbox_states(stack: Stack) -> dict[str, int]:
    """Outbox rows by job and state at the end of the run: what the rq workers had not done yet."""
    rows = stack.sql("SELECT job || ' ' || state, count(*) FROM outbox_job GROUP BY 1 ORDER BY 1")
    return {key: int(n) for key, n in rows}


def run_once(workers: int, args: argparse.Namespace) -> dict[str, Any]:
    stack = Stack(workers=workers, redis_url=args.redis_url)
    if args.reports_replica:
        stack.extra_env["ZLW_REPORTS_DATABASE_URL"] = f"{stack.database_url}?application_name={REPORTS_APP_NAME}"
    with stack:
        drafts = add_projects(stack, args.projects)
        run = Run(stack, drafts, args.seconds, args.units, args.signers, args.readers)
        wall = run.go()
        answers: list[Answer] = [a for c in run.clients for a in c.answers]
        by_page: dict[str, list[float]] = defaultdict(list)
        for a in answers:
            by_page[a.page].append(a.elapsed)
        errors = [a for a in answers if a.status not in (200, 302)]
        lost = run.lost()
        replica = stack.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            REPORTS_APP_NAME,
        )
        if args.reports_replica and not replica[0][0]:
            lost.append("the reports engine opened no connection")
        return {
            "sizes": table_sizes(stack) if args.sizes else {},
            "outbox": outbox_states(stack) if args.sizes else {},
            "drain": drain_seconds(stack) if args.sizes else None,
            "outbox_after": outbox_states(stack) if args.sizes else {},
            "workers": workers,
            "wall": wall,
            "completions": len(run.signed),
            "submitted": len(run.submitted),
            "requests": len(answers),
            "p95": {page: p95(v) for page, v in sorted(by_page.items())},
            "errors": errors,
            "lost": lost,
            "replica_connections": replica[0][0],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1 web worker, 8 s, few people (CI)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--units", type=int, default=2)
    parser.add_argument("--signers", type=int, default=4, help="departments signing (at most 4)")
    parser.add_argument("--readers", type=int, default=2, help="people reading inbox, library and reports (≤ 2)")
    parser.add_argument("--projects", type=int, default=400, help="draft projects added beforehand")
    parser.add_argument("--workers", default="1,2", help="web worker counts to run (default 1,2)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--reports-replica", action="store_true", help="reports read through a second engine")
    parser.add_argument("--sizes", action="store_true", help="print rows and bytes of the written tables")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.units, args.signers, args.readers, args.projects, args.workers = 8, 1, 4, 1, 20, "1"
    cpu = platform.processor() or platform.machine()
    print(f"bench.load on {cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {os.getloadavg()[0]:.2f}")
    print(f"  {args.units} units, {args.signers} departments, {args.readers} readers, {args.seconds:.0f} s per run")
    failed = False
    for workers in [int(w) for w in args.workers.split(",")]:
        r = run_once(workers, args)
        print(
            f"web workers {r['workers']}: {r['completions']} sign-offs in {r['wall']:.1f} s = "
            f"{r['completions'] / r['wall']:.2f} completions/s; {r['submitted']} submissions; "
            f"{r['requests']} requests; errors {len(r['errors'])}"
        )
        for page, value in r["p95"].items():
            print(f"    p95 {page:9s} {value * 1000:7.0f} ms")
        for a in r["errors"][:5]:
            print(f"    error: {a.page} {a.status} {a.text[:160]!r}")
        if args.reports_replica:
            print(f"    reports engine ({REPORTS_APP_NAME}) connections open at the end: {r['replica_connections']}")
        for name, (rows, size) in r["sizes"].items():
            print(f"    table {name:16s} {rows:8d} rows {size / 1024:9.0f} KiB")
        for key, n in r["outbox"].items():
            print(f"    outbox when the load stopped {key:30s} {n:6d}")
        if args.sizes:
            drain = "not within 300 s" if r["drain"] is None else f"{r['drain']:.0f} s"
            print(f"    outbox drained (every row done or failed) after {drain}: {r['outbox_after']}")
        print(f"    lost work: {'; '.join(r['lost']) or 'none'}")
        ok = not r["errors"] and not r["lost"] and r["completions"] > 0
        print(f"    {'PASS' if ok else 'FAIL'}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
