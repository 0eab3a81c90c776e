"""Benchmark the project report PDF: one project, then N projects through the batch job on two rq workers.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379):

    .venv/bin/python -m bench.report_pdf [--n 1300] [--workers 2] [--runs 10] [--smoke]

The benchmark creates its own PostgreSQL database (dropped at the end), its own file storage folder
and a scratch rq queue prefix (its Redis keys are deleted at the end). The demo data is seeded and
demo project 1 is driven through every process of its lifecycle through the runtime (the test
helper tests/reports/pdf_support.py), with evidence in each slot.

1. One project PDF: `reports.pdf.services.project_report(user, id)` on that project, --runs times, each with
   a fresh session (nothing cached but the parsed diagrams and the font), wall time per run.
2. The batch: --n projects registered through the services, each with its chosen functions and the
   records of every process written through records.services.write (information, two procedure
   documents, an investment plan with two funding sources, a procurement, a contract, three progress
   reports, two acceptances, goals with three indicators, two evaluations) and two evidence files, and
   a copy of demo project 1's lifecycle (engine state, 33 completed tasks and their audited answers);
   then `reports.batch.services.start_batch()` over them, committed, and the time until the batch is done:
   the relay (`flask zlw relay`, sweeping every 0.5 s) hands the outbox rows to rq, --workers
   `flask zlw worker` processes render the chunks side by side, the last chunk queues the ZIP step.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bench.engine import machine, pct, pg_database
from tests.conftest import deploy_repository, make_settings
from tests.engine import lifecycle_support as ls
from tests.files.samples import PDF, image
from tests.jobs.support import delete_installation_keys, kill_tree, redis_client, worker_env
from tests.reports.pdf_support import fill_every_process
from zerolegwork import create_app, demo
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import Region, User
from zerolegwork.projects import library
from zerolegwork.projects.models import Project
from zerolegwork.projects.services import create_project
from zerolegwork.records import services as records
from zerolegwork.reports.batch import services as batches
from zerolegwork.reports.batch.models import BatchState, ReportBatch
from zerolegwork.reports.pdf import services as pdf

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
GOAL_ONE_S = 1.0
NAME_PREFIX = "基准报告项目"


def _write(project_id: int, actor_id: int, kind: str, answers: dict[str, Any]) -> None:
    records.write(kind, project_id, answers, actor_id, None)


def fill_projects(n: int) -> float:
    """Register n projects with every process's records; return the seconds it took."""
    started = time.perf_counter()
    unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
    housing = orgs.org_by_code("housing")
    regions = [r.name for r in db.session.scalars(select(Region).order_by(Region.sort_order))]
    for i in range(n):
        project = create_project(
            None,
            f"{NAME_PREFIX}{i:05d}号 道路综合改造工程",
            unit.org_id,
            regions[i % len(regions)],
            "市政道路",
            Decimal("12800.0000") + i,
            competent_department_id=housing.id,  # type: ignore[union-attr]
            industry_type="市政公用",
            investment_policy="一般公共预算",
            construction_mode="改建",
            investment_mode="直接投资",
            management_status="在建",
            start_year=2026,
            end_year=2027,
        )
        library.choose_functions(unit, project, ls.ALL_FUNCTIONS)
        write = functools.partial(_write, project.id, unit.id)
        write("project_info", ls.INFORMATION)
        for p in ls.ALL_FUNCTIONS["procedures"]:
            write("procedure_document", ls.procedure_document(p))
        write("investment_plan", ls.investment_plan())
        write("procurement", ls.procurement("works"))
        write("contract", ls.contract())
        for period, share in (("2026-06", "35"), ("2026-12", "70")):
            write("progress_report", ls.progress_report(period, time_progress=share))
        write("progress_report", ls.progress_report("2027-10", complete=True))
        for kind in ls.ALL_FUNCTIONS["acceptance"]:
            write("acceptance", ls.acceptance(kind))
        write("performance_goals", ls.GOALS)
        for stage in ("self", "key"):
            write("performance_evaluation", ls.evaluation(stage))
        files.upload(unit, project.id, "investment_basis", "投资估算依据.pdf", io.BytesIO(PDF))
        files.upload(unit, project.id, "site_photo", "现场照片.png", io.BytesIO(image("PNG")))
        if i % 50 == 49:
            db.session.commit()
            print(f"  {i + 1} projects", file=sys.stderr)
    db.session.commit()
    return time.perf_counter() - started


def copy_lifecycle(source_project_id: int) -> int:
    """Give every bench project a copy of the driven project's lifecycle: its engine state, tasks and their answers.

    Rows are copied by the server (INSERT … SELECT); the copies point at each bench project, so its report
    loads a whole-life engine state and lists 33 completed tasks with their opinions, like a real one.
    """
    from zerolegwork.audit.models import AuditEvent
    from zerolegwork.engine.models import HumanTask, ProcessInstance

    source = db.session.get_one(Project, source_project_id).lifecycle_id
    bench = "SELECT id FROM project WHERE name LIKE :prefix"
    params = {"src": source, "prefix": NAME_PREFIX + "%"}

    def columns(model: Any, replace: dict[str, str]) -> tuple[str, str]:
        names = [c.name for c in model.__table__.columns if c.name != "id"]
        return ", ".join(f'"{n}"' for n in names), ", ".join(replace.get(n, f'src."{n}"') for n in names)

    into, values = columns(ProcessInstance, {"project_id": "p.id"})
    db.session.execute(
        text(
            f"INSERT INTO process_instance ({into}) SELECT {values} FROM process_instance src"
            f" JOIN project p ON p.id IN ({bench}) WHERE src.id = :src"
        ),
        params,
    )
    db.session.execute(
        text(
            "UPDATE project SET lifecycle_id = pi.id, instance_id = pi.id, state = 'closed', stage = 'completed'"
            f" FROM process_instance pi WHERE pi.project_id = project.id AND project.id IN ({bench})"
        ),
        params,
    )
    into, values = columns(HumanTask, {"instance_id": "p.lifecycle_id", "project_id": "p.id"})
    db.session.execute(
        text(
            f"INSERT INTO human_task ({into}) SELECT {values} FROM human_task src"
            f" JOIN project p ON p.id IN ({bench}) WHERE src.instance_id = :src"
        ),
        params,
    )
    into, values = columns(
        AuditEvent, {"object_id": "CAST(copy.id AS VARCHAR)", "seq": "NULL", "prev_hash": "NULL", "hash": "NULL"}
    )
    copied = db.session.execute(
        text(
            f"INSERT INTO audit_event ({into}) SELECT {values} FROM audit_event src"
            " JOIN human_task task ON src.object_type = 'human_task' AND src.object_id = CAST(task.id AS VARCHAR)"
            " JOIN human_task copy ON copy.task_guid = task.task_guid AND copy.instance_id <> task.instance_id"
            " WHERE task.instance_id = :src AND src.action = 'task.complete'"
        ),
        params,
    )
    db.session.commit()
    return int(copied.rowcount)


def one_pdf(runs: int) -> tuple[list[float], list[float], int, int]:
    """Time project_report() on the fully driven demo project: wall and CPU times, the PDF's size, the project id."""
    unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
    project_id = db.session.scalars(select(Project.id).order_by(Project.id)).first()
    assert project_id is not None
    times, cpu = [], []
    size = 0
    for _ in range(runs + 1):
        db.session.remove()
        unit = db.session.get_one(User, unit.id)
        started, started_cpu = time.perf_counter(), time.process_time()
        data = pdf.project_report(unit, project_id)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        size = len(data)
    return times[1:], cpu[1:], size, project_id  # the first run loads the font and parses the diagrams


def run_batch(app: Any, n: int, workers: int, redis_url: str, prefix: str, log_dir: Path) -> dict[str, Any]:
    """Start a batch over the bench projects and time it through the relay and `workers` rq workers."""
    cfg = app.config["ZLW"]
    env = worker_env(app, ZLW_FILES_DIR=cfg.files_dir, ZLW_SWEEP_INTERVAL="0.5")
    env["ZLW_REDIS_URL"] = redis_url
    env["ZLW_QUEUE_PREFIX"] = prefix
    procs = []
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "zlw"]
    for role in ["relay", *(["worker"] * workers)]:
        log = (log_dir / f"{role}-{len(procs)}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [*command, role], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    try:
        time.sleep(3)  # the workers register with Redis before the clock starts
        unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
        started = time.perf_counter()
        batch = batches.start_batch(unit, {"q": NAME_PREFIX})
        db.session.commit()
        assert batch.total == n, (batch.total, n)
        batch_id = batch.id
        first_done = None
        last_print = 0.0
        while True:
            db.session.remove()
            row = db.session.get_one(ReportBatch, batch_id)
            now = time.perf_counter() - started
            if first_done is None and row.done_count:
                first_done = now
            if now - last_print >= 10:
                print(f"  {now:6.1f} s: {row.state} {row.done_count}/{row.total}", file=sys.stderr)
                last_print = now
            if row.state in (BatchState.DONE, BatchState.FAILED):
                break
            if now > 3600:
                raise SystemExit("the batch did not finish within an hour")
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        assert row.state == BatchState.DONE, row.error
        render_seconds = db.session.execute(
            text("SELECT EXTRACT(EPOCH FROM (finished_at - started_at)) FROM report_batch WHERE id = :id"),
            {"id": batch_id},
        ).scalar_one()
        return {
            "elapsed": elapsed,
            "first_chunk": first_done,
            "planned_to_zip": float(render_seconds),
            "zip_size": row.zip_size,
            "failed": row.failed_count,
            "chunks": -(-n // batches.chunk_size(n)),
        }
    finally:
        for proc in procs:
            kill_tree(proc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1300, help="projects in the batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10, help="runs of the one-project PDF")
    parser.add_argument("--pg-admin", default=PG_ADMIN_URL)
    parser.add_argument("--redis", default=REDIS_URL)
    parser.add_argument("--smoke", action="store_true", help="4 projects, one worker, one run: CI runs it")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.workers, args.runs = 4, 1, 1

    prefix = "bench-pdf-" + uuid.uuid4().hex[:8]
    conn = redis_client(args.redis)
    with pg_database(args.pg_admin, None) as url, tempfile.TemporaryDirectory(prefix="zlw-bench-pdf-") as tmp:
        if url is None:
            raise SystemExit("PostgreSQL is needed")
        settings = make_settings(url, files_dir=str(Path(tmp) / "files"), queue_prefix=prefix)
        app = create_app(settings)
        with app.app_context():
            db.create_all()
            deploy_repository()
            demo.seed()
            db.session.commit()
            users = {u.username: u for u in db.session.scalars(select(User))}
            projects = list(db.session.scalars(select(Project).order_by(Project.id)))
            fill_every_process({"users": users, "projects": projects})
            pg_version = db.session.execute(text("SHOW server_version")).scalar_one()
            print("\n".join(machine(pg_version)))

            times, cpu, size, project_id = one_pdf(args.runs)
            median = statistics.median(times)
            print(
                f"\none project PDF (project {project_id}, every process filled, {size:,} bytes), {args.runs} runs:"
                f" median {median * 1000:.0f} ms, p90 {pct(times, 90) * 1000:.0f} ms,"
                f" min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms;"
                f" CPU of this process median {statistics.median(cpu) * 1000:.0f} ms;"
                f" load average {os.getloadavg()[0]:.1f}"
                f" — goal <= {GOAL_ONE_S:.0f} s: {'met' if median <= GOAL_ONE_S else 'NOT met'}"
            )
            db.session.execute(text("DELETE FROM outbox_job"))  # the lifecycle's notifications: not measured
            db.session.commit()

            print(f"\nregistering {args.n} projects with every process's records ...", file=sys.stderr)
            fill = fill_projects(args.n)
            copied = copy_lifecycle(project_id)
            print(f"setup: {args.n} projects with their records in {fill:.0f} s; {copied} task answers copied")
            db.session.execute(text("DELETE FROM outbox_job"))
            db.session.execute(text("ANALYZE"))
            db.session.commit()

            log_dir = Path(tmp) / "logs"
            log_dir.mkdir()
            result = run_batch(app, args.n, args.workers, args.redis, prefix, log_dir)
            per_pdf = result["elapsed"] / args.n
            print(
                f"\nbatch of {args.n} project PDFs through {args.workers} rq workers"
                f" ({result['chunks']} chunks of {batches.chunk_size(args.n)}, relay sweep 0.5 s):"
                f" {result['elapsed']:.1f} s from the request's commit to the ZIP"
                f" ({per_pdf * 1000:.0f} ms per PDF, {args.n / result['elapsed']:.1f} PDFs/s);"
                f" first chunk done after {result['first_chunk']:.1f} s;"
                f" plan step to ZIP stored {result['planned_to_zip']:.1f} s;"
                f" ZIP {result['zip_size'] / 1e6:.1f} MB; failed projects: {result['failed']}"
            )
            if 100 <= args.n < 1300:
                print(f"extrapolated to 1,300 projects: {per_pdf * 1300:.0f} s")
            db.session.remove()
            db.engine.dispose()
    delete_installation_keys(conn, prefix)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
