"""The fault list on the real deployment shape (issue 11 item 5): each fault a bounded scenario, PASS or FAIL.

Run from the repository root (`make faults`):

    .venv/bin/python -m bench.faults [--smoke] [--only NAME,...]  (web_kill pg_reset pg_kill rq_kill redis_restart
                                                                 disk_full wide_mi)

One deploy/stack.py stack (gunicorn, 2 web workers, PostgreSQL database of its own, two rq workers,
the relay) on a private redis-server started here on a free port (the shared 6379 is never touched),
with its attachments on a tiny tmpfs when one can be mounted. Scenarios, each checked in the database:
  - web_kill: kill -9 a gunicorn worker while departments sign: every acknowledged sign-off is
    completed, every completed task has its one audit event, nothing is half-done (after signing again,
    every project is approved: the join fired);
  - pg_reset: pg_terminate_backend on all the stack's connections while departments sign: answers are
    302 or 503 with the Chinese message, nothing half-written, the next clicks succeed;
  - redis_restart: kill -9 Redis, submit (the requests succeed, jobs wait in the outbox), start Redis
    again: the outbox drains and every new task has exactly one notification;
  - disk_full: an upload larger than the free space (a 4 MiB tmpfs): 507 in Chinese and no attachment row; a small
    upload afterwards succeeds.
  - pg_kill: kill -9 the PostgreSQL postmaster while departments sign, start it again: every sign-off
    acknowledged before the kill is completed (none lost), the answers meanwhile are 302 or 503, nothing
    half-written, and afterwards every project is approved. The stack then runs on a PostgreSQL cluster of
    its own (deploy/postgres.py; the shared server is never touched); without one, pg_kill is skipped.
  - rq_kill: a PDF batch of every project; kill -9 the rq worker rendering it and its work-horse: the batch
    still finishes, one PDF per project, with its ZIP (the worker is started again afterwards).
  - wide_mi: a multi-instance sign-off over 10,000 items (bench/wide_mi.py starts it in the stack's
    database): the four departments sign every item through the pages; each answer is a redirect, the web
    workers' memory stays bounded, the join and the tally run once, every item has its one audit event.
Not scripted here (docs/operations.md, "Faults proven"): two sweeps at once (tests/engine/test_concurrency.py).
--smoke: fewer projects per scenario (CI runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.load import add_projects
from deploy.client import SIGNERS, Client
from deploy.postgres import PrivatePostgres
from deploy.stack import PG_ADMIN_URL, Stack, descendants, free_port

UNAVAILABLE = "数据库暂时无法连接"
STORAGE_FULL = "存储空间已满"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class Faults:
    """The stack, its people and the checks every scenario shares."""

    def __init__(self, stack: Stack, drafts: list[int]) -> None:
        self.stack = stack
        self.drafts = drafts
        self.unit = Client(stack.base_url, "unit1")
        self.unit.login()
        self.signers = {org: Client(stack.base_url, name) for org, name in SIGNERS.items()}
        for c in self.signers.values():
            c.login()

    def submit(self, n: int) -> list[int]:
        ids = [self.drafts.pop(0) for _ in range(n)]
        for project_id in ids:
            assert self.unit.submit(project_id).status == 302, f"submitting project {project_id} failed"
        return ids

    def ready(self, projects: list[int]) -> list[tuple[int, str]]:
        return [
            (row[0], row[1])
            for row in self.stack.sql(
                "SELECT id, org_code FROM human_task WHERE project_id = ANY(%s) AND state = 'ready' ORDER BY id",
                projects,
            )
        ]

    def sign_all(
        self, tasks: list[tuple[int, str]], during: Callable[[], None] | None = None, timeout: float = 120
    ) -> dict[int, Any]:
        """Each department signs its tasks (one thread each) while `during` runs; the answers by task."""
        answers: dict[int, Any] = {}

        def department(org: str) -> None:
            for task_id, code in tasks:
                if code == org:
                    answers[task_id] = self.signers[org].sign(task_id)

        threads = [threading.Thread(target=department, args=(org,)) for org in SIGNERS]
        for t in threads:
            t.start()
        if during:
            during()
        for t in threads:
            t.join(timeout=timeout)
        return answers

    def half_done(self, projects: list[int]) -> list[str]:
        """Completed tasks without their audit event (or the other way round), acknowledged ones not completed."""
        rows = self.stack.sql(
            "SELECT t.id FROM human_task t WHERE t.project_id = ANY(%s) AND t.state = 'completed' "
            "AND (SELECT count(*) FROM audit_event a WHERE a.action = 'task.complete' "
            "AND a.object_type = 'human_task' AND a.object_id = t.id::text) <> 1",
            projects,
        )
        return [f"task {r[0]}: completed without exactly one audit event" for r in rows]

    def finish(self, projects: list[int]) -> list[str]:
        """Sign whatever is still ready, then every project must be approved (the join fired once)."""
        for _round in range(3):
            left = self.ready(projects)
            if not left:
                break
            self.sign_all(left)
        states = self.stack.sql("SELECT id, state FROM project WHERE id = ANY(%s)", projects)
        return [f"project {p} is {s}, not approved" for p, s in states if s != "approved"]


def web_kill(f: Faults, n: int) -> list[str]:
    projects = f.submit(n)
    tasks = f.ready(projects)
    killed: list[int] = []

    def kill() -> None:
        time.sleep(0.3)
        victim = f.stack.web_workers()[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)

    answers = f.sign_all(tasks, kill)
    cut = [t for t, a in answers.items() if a.status != 302]
    print(f"    killed web worker {killed}; {len(cut)} of {len(answers)} sign-offs cut off (no answer or 5xx)")
    acknowledged = [t for t, a in answers.items() if a.status == 302]
    done = {
        r[0] for r in f.stack.sql("SELECT id FROM human_task WHERE id = ANY(%s) AND state='completed'", acknowledged)
    }
    problems = [f"task {t} acknowledged but not completed" for t in acknowledged if t not in done]
    deadline = time.monotonic() + 30
    while len(f.stack.web_workers()) < f.stack.workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return problems + f.half_done(projects) + f.finish(projects) + f.half_done(projects)


def pg_reset(f: Faults, n: int) -> list[str]:
    projects = f.submit(n)
    tasks = f.ready(projects)
    terminated = [0]

    def reset() -> None:
        for _ in range(30):
            time.sleep(0.03)
            rows = f.stack.sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                f.stack.db_name,
            )
            terminated[0] += len(rows)

    answers = f.sign_all(tasks, reset)
    statuses = sorted({a.status for a in answers.values()})
    refused = [a for a in answers.values() if a.status == 503]
    print(f"    {terminated[0]} connections terminated; answers {statuses}, {len(refused)} answered 503")
    problems = [f"answer {a.status}, not 302 or 503" for a in answers.values() if a.status not in (302, 503)]
    problems += [f"503 without the Chinese message: {a.text[:80]!r}" for a in refused if UNAVAILABLE not in a.text]
    return problems + f.half_done(projects) + f.finish(projects) + f.half_done(projects)


def pg_kill(f: Faults, n: int, pg: PrivatePostgres | None) -> list[str]:
    if pg is None:
        print("    SKIP: no private PostgreSQL cluster can be made here (server programs, postgres user)")
        return []
    projects = f.submit(n)
    tasks = f.ready(projects)
    down: list[float] = []

    ids = [t for t, _org in tasks]

    def kill_and_restart() -> None:
        deadline = time.monotonic() + 60  # kill once a third are acknowledged: those must survive it
        while time.monotonic() < deadline:
            done = f.stack.sql("SELECT count(*) FROM human_task WHERE id = ANY(%s) AND state = 'completed'", ids)
            if done[0][0] * 3 >= len(ids):
                break
            time.sleep(0.05)
        pg.kill()
        started = time.monotonic()
        time.sleep(1.0)
        pg.start()
        down.append(time.monotonic() - started)

    answers = f.sign_all(tasks, kill_and_restart)
    statuses = sorted({a.status for a in answers.values()})
    acknowledged = [t for t, a in answers.items() if a.status == 302]
    print(
        f"    postmaster killed -9, back after {down[0] if down else 0:.1f} s; {len(acknowledged)} of "
        f"{len(answers)} sign-offs acknowledged; answers {statuses}"
    )
    f.stack.wait_for_web()
    done = {
        r[0] for r in f.stack.sql("SELECT id FROM human_task WHERE id = ANY(%s) AND state='completed'", acknowledged)
    }
    problems = [f"task {t} acknowledged but lost" for t in acknowledged if t not in done]
    problems += [f"answer {a.status}, not 302 or 503" for a in answers.values() if a.status not in (302, 503)]
    return problems + f.half_done(projects) + f.finish(projects) + f.half_done(projects)


def rss_mb(pids: list[int]) -> list[int]:
    """Resident memory of processes, in MB (from /proc)."""
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out.append(int(line.split()[1]) // 1024)
    return out


def wide_mi(f: Faults, items: int) -> list[str]:
    """A sign-off over `items` items signed through the pages: bounded memory and time, the join once."""
    env = f.stack.env()
    done = subprocess.run(
        [sys.executable, "-m", "bench.wide_mi", "--start-here", ",".join(SIGNERS), "--items", str(items)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        return [f"starting the sign-off failed: {done.stderr[-400:]}"]
    instance = int(done.stdout.split()[-1])
    tasks = [
        (r[0], r[1])
        for r in f.stack.sql(
            "SELECT id, org_code FROM human_task WHERE instance_id = %s AND state = 'ready' ORDER BY id", instance
        )
    ]
    before = rss_mb(f.stack.web_workers())
    started = time.monotonic()
    # each department signs its quarter one request after another: 10,000 items take minutes, not 120 s
    answers = f.sign_all(tasks, timeout=max(120.0, items * 0.3))
    seconds = time.monotonic() - started
    after = rss_mb(f.stack.web_workers())
    times = sorted(a.elapsed for a in answers.values())
    p95 = times[int(len(times) * 0.95) - 1] * 1000 if times else 0.0
    (status, state_bytes) = f.stack.sql("SELECT status, length(state) FROM process_instance WHERE id = %s", instance)[0]
    print(
        f"    {len(tasks)} items signed through the pages in {seconds:.0f} s (GET + POST each, 4 departments at once): "
        f"POST p50 {times[len(times) // 2] * 1000:.0f} ms, p95 {p95:.0f} ms; web workers {before} -> {after} MB; "
        f"instance {status}, state {state_bytes:,} bytes"
    )
    problems = [f"{len(tasks)} ready rows, not {items}"] if len(tasks) != items else []
    problems += (
        [f"{len(answers)} answers of {items} sign-offs (a department's thread ran out of time)"]
        if len(answers) != items
        else []
    )
    problems += (
        [f"{sum(a.status != 302 for a in answers.values())} answers not 302"]
        if any(a.status != 302 for a in answers.values())
        else []
    )
    problems += [] if status == "completed" else [f"instance {status}, not completed"]
    problems += [f"a web worker at {max(after)} MB"] if after and max(after) > 512 else []
    unaudited = f.stack.sql(
        "SELECT count(*) FROM human_task t WHERE t.instance_id = %s AND (SELECT count(*) FROM audit_event a "
        "WHERE a.action = 'task.complete' AND a.object_id = t.id::text) <> 1",
        instance,
    )[0][0]
    problems += [f"{unaudited} items without exactly one audit event"] if unaudited else []
    tally = f.stack.sql("SELECT count(*) FROM instance_item WHERE instance_id = %s", instance)[0][0]
    problems += [] if tally == items else [f"{tally} answers kept, not {items}"]
    return problems


def rq_kill(f: Faults) -> list[str]:
    """A PDF batch of every project; kill -9 the rq worker (and its work-horse) rendering it; it still finishes once."""
    finance = f.signers["finance"]
    started = finance.post("batch", "/reports/projects/batches", {}, token_from="/projects/")
    if started.status != 302:
        return [f"starting the batch answered {started.status}"]
    (batch_id,) = f.stack.sql("SELECT max(id) FROM report_batch")[0]
    victim: list[int] = []
    victim_name = ""
    deadline = time.monotonic() + 60
    while not victim and time.monotonic() < deadline:  # the first worker seen rendering (its work-horse alive)
        state = f.stack.sql("SELECT state, done_count FROM report_batch WHERE id = %s", batch_id)[0]
        for name in ("rq0", "rq1"):
            worker = f.stack.procs[name].pid
            horses = descendants(worker)
            if state[0] == "running" and horses:
                for pid in (*horses, worker):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                victim, victim_name = [worker, *horses], name
                break
        time.sleep(0.05)
    if not victim:
        return ["no worker was seen rendering the batch"]
    f.stack.procs[victim_name].wait(timeout=10)
    deadline = time.monotonic() + 180  # the relay re-sends a job sent but not done after ZLW_JOB_STALE_SECONDS
    row: tuple[Any, ...] = ()
    while time.monotonic() < deadline:
        row = f.stack.sql(
            "SELECT state, total, done_count, failed_count, zip_sha256 FROM report_batch WHERE id = %s", batch_id
        )[0]
        if row[0] in ("done", "failed"):
            break
        time.sleep(0.5)
    items = f.stack.sql(
        "SELECT count(*), count(DISTINCT project_id), count(sha256) FROM report_batch_item WHERE batch_id = %s",
        batch_id,
    )[0]
    print(
        f"    killed rq worker {victim[0]} and its work-horse mid-batch; batch {row[0]}: {row[2]} of {row[1]} "
        f"PDFs, {items[0]} item rows for {items[1]} projects"
    )
    problems = [] if row and row[0] == "done" else [f"batch ended {row[0] if row else '?'}, not done"]
    if problems:
        outbox = f.stack.sql(
            "SELECT o.id, o.state, o.attempts, o.relay_count, left(coalesce(o.last_error, ''), 120) "
            "FROM outbox_job o, report_batch b WHERE b.id = %s "
            "AND o.id IN (SELECT value::int FROM json_array_elements_text(b.job_ids::json))",
            batch_id,
        )
        problems += [f"outbox {r}" for r in outbox]
    problems += [] if row and row[2] == row[1] and not row[3] else [f"done {row[2]}, failed {row[3]} of {row[1]}"]
    problems += [] if items[0] == items[1] == items[2] == row[1] else [f"item rows {items}: not one PDF each"]
    problems += [] if row and row[4] else ["no ZIP"]
    f.stack.start_rq_worker(int(victim_name[-1]))  # the stack has its two workers again
    return problems


def redis_restart(f: Faults, n: int, redis: RedisServer) -> list[str]:
    redis.kill()
    projects = f.submit(n)  # requests succeed while Redis is down: the jobs wait in the outbox
    pending = f.stack.sql("SELECT count(*) FROM outbox_job WHERE state = 'pending'")[0][0]
    redis.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        left = f.stack.sql("SELECT count(*) FROM outbox_job WHERE state IN ('pending', 'sent')")[0][0]
        if left == 0:
            break
        time.sleep(0.5)
    print(f"    Redis killed; {n} submissions acknowledged, {pending} jobs waited in the outbox; {left} left after")
    problems = [f"{left} outbox jobs not done 90 s after Redis came back"] if left else []
    counts = f.stack.sql(
        "SELECT t.id, (SELECT count(*) FROM notification n WHERE n.human_task_id = t.id) FROM human_task t "
        "WHERE t.project_id = ANY(%s) AND t.state = 'ready'",
        projects,
    )
    problems += [f"task {t}: {c} notifications, not 1" for t, c in counts if c != 1]
    failed = f.stack.sql("SELECT count(*) FROM outbox_job WHERE state = 'failed'")[0][0]
    return problems + ([f"{failed} outbox jobs failed"] if failed else []) + f.finish(projects)


def disk_full(f: Faults, n: int, mounted: bool) -> list[str]:
    if not mounted:
        print("    SKIP: no tmpfs could be mounted for the attachments (needs root)")
        return []
    project = f.drafts.pop(0)
    big = PDF + b"%" + b"0" * (6 * 1024 * 1024) + b"\n"  # 6 MiB: more than the 4 MiB tmpfs holds
    page = f"/projects/{project}"

    def upload(data: bytes) -> Any:
        return f.unit.request(
            "upload",
            "POST",
            f"/files/projects/{project}/upload",
            data={"slot": "feasibility_report", "csrf_token": f.unit.token(page)},
            files={"file": ("可行性研究报告.pdf", data, "application/pdf")},
            headers={"Accept": "application/json"},
        )

    full = upload(big)
    rows = f.stack.sql("SELECT count(*) FROM attachment WHERE project_id = %s", project)[0][0]
    print(f"    6 MiB upload to a 4 MiB disk: {full.status}; attachment rows {rows}")
    problems = [] if full.status == 507 else [f"answer {full.status}, not 507: {full.text[:120]!r}"]
    message = json.loads(full.text).get("error", "") if full.status == 507 else ""
    problems += [] if STORAGE_FULL in message else ["no Chinese storage-full message"]
    problems += [f"{rows} attachment rows without a file"] if rows else []
    small = upload(PDF)
    problems += [] if small.status == 200 else [f"a small upload afterwards answered {small.status}"]
    return problems


class RedisServer:
    """A private redis-server on a free port (the fault kills it; the shared 6379 is left alone)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with (self.workdir / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        from redis import Redis

        for _ in range(50):
            with contextlib.suppress(Exception):
                if Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


def mount_tmpfs(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="fewer projects per scenario (CI)")
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)
    args.only = args.only or "web_kill,pg_reset,pg_kill,rq_kill,redis_restart,disk_full,wide_mi"
    n = 3 if args.smoke else 10
    workdir = Path(f"/tmp/zlw-faults-{os.getpid()}")
    workdir.mkdir(parents=True, exist_ok=True)
    files = workdir / "files"
    mounted = mount_tmpfs(files)
    redis = RedisServer(workdir)
    pg = PrivatePostgres(workdir) if PrivatePostgres.available() else None
    results: list[tuple[str, list[str], float]] = []
    try:
        redis.start()
        if pg is not None:
            pg.init()
            pg.start()
        with Stack(
            workers=2,
            redis_url=redis.url,
            workdir=workdir / "stack",
            extra_env={"ZLW_FILES_DIR": str(files)},
            admin_url=pg.admin_url if pg is not None else PG_ADMIN_URL,
        ) as stack:
            f = Faults(stack, add_projects(stack, 5 * n + 4))
            scenarios: dict[str, Callable[[], list[str]]] = {
                "web_kill": lambda: web_kill(f, n),
                "pg_reset": lambda: pg_reset(f, n),
                "pg_kill": lambda: pg_kill(f, n, pg),
                "rq_kill": lambda: rq_kill(f),
                "redis_restart": lambda: redis_restart(f, n, redis),
                "disk_full": lambda: disk_full(f, n, mounted),
                "wide_mi": lambda: wide_mi(f, 400 if args.smoke else 10_000),
            }
            for name in args.only.split(","):
                print(f"[{name}]", flush=True)
                started = time.monotonic()
                try:
                    problems = scenarios[name]()
                except Exception as exc:  # a scenario that crashes is a FAIL with its reason
                    problems = [f"{type(exc).__name__}: {exc}"]
                results.append((name, problems, time.monotonic() - started))
                for p in problems[:10]:
                    print(f"    problem: {p}")
                if problems:  # what the web workers logged last, to find the cause
                    tail = [line for line in stack.log("web").splitlines() if "Error" in line or "File " in line]
                    print("\n".join(f"    web.log | {line}" for line in tail[-12:]))
                print(f"    {'FAIL' if problems else 'PASS'} ({time.monotonic() - started:.1f} s)", flush=True)
    finally:
        redis.kill()
        if pg is not None:
            pg.stop()
        if mounted:
            subprocess.run(["umount", str(files)], check=False)
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    failed = [name for name, problems, _ in results if problems]
    print(f"faults: {len(results) - len(failed)} PASS, {len(failed)} FAIL {failed if failed else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
