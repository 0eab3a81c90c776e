"""Does a completion cost more as a project's history grows? One lifecycle instance, driven step by step.

Run from the repository root:

    .venv/bin/python -m bench.growth [--smoke] [--checkpoints 4,50,200,1000] [--repeats 15] [--url URL]

A realistic project is driven through the platform's own services (tests/engine/lifecycle_support:
inbox.services.complete as the user the task is routed to, one commit per step, evidence uploaded
first): project information, the investment plan, the joint sign-off returned three times (one
department rejects, the unit resubmits) and then approved, procedures, procurement, contracts, then
monthly progress reports (every sixth report returned once by the department) — 60 months for five
years and, to reach 1,000 steps, on past them — and finally construction complete, acceptance and
performance, so all eight processes run.

At each checkpoint (the first step count >= N at which the next task is a department's decision:
the first sign-off review at 4, a progress check after that) the next completion is measured
`--repeats` times, each rolled back (wall clock and CPU of `inbox.services.complete`, fresh session
each time, the user loaded beforehand like the login manager does), then done for real and
committed; its statements (every DB-API execute, counted on db.engine) are those of the committed
run. State bytes: process_instance.state of the instance after the checkpoint; archive bytes: the
rows the engine moved out of the live state (instance_archive, when that table exists).

--smoke: checkpoints 4 and 50, 3 repeats, the project is then finished — a few seconds; CI runs it.
The goal (full mode): the 1,000-step completion within 1.5x the 4-step one, state bytes bounded.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, inspect, select, text

from tests.conftest import deploy_repository, make_settings
from tests.engine import lifecycle_support as ls
from tests.files.samples import PDF
from zerolegwork import create_app, demo
from zerolegwork.engine import runtime
from zerolegwork.engine.models import HumanTask, HumanTaskState, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import User
from zerolegwork.projects.models import Project

GOAL_RATIO = 1.5
RETURNED_ROUNDS = 3
MONTHS = 60  # five years of monthly reports
APPROVE = {"decision": "approve", "opinion": "同意。"}
MEASURED = {"department_review", "check_progress"}  # a department's decision, the same small form kind


@dataclass
class Step:
    bpmn_id: str
    answers: dict[str, Any]
    match: dict[str, Any]


def step(bpmn_id: str, answers: dict[str, Any], **match: Any) -> Step:
    return Step(bpmn_id, answers, match)


def period(month: int) -> str:
    return f"{2026 + (month + 5) // 12}-{(month + 5) % 12 + 1:02d}"  # from 2026-06 on


def project_steps(periods: int) -> Iterator[Step]:
    """Every completion of the realistic project, in order (the sign-off's four reviews as one step each)."""
    yield step("record_information", ls.INFORMATION)
    yield step("check_information", ls.CONFIRM)
    yield step("record_investment", ls.investment_plan())
    yield step("check_investment", ls.CONFIRM)
    for r in range(RETURNED_ROUNDS + 1):
        for dept in ls.SIGNOFF_DEPARTMENTS:
            rejects = r < RETURNED_ROUNDS and dept == "finance"
            opinion = {"decision": "reject", "opinion": "资金来源需补充。"} if rejects else APPROVE
            yield step("department_review", opinion, department=dept)
        if r < RETURNED_ROUNDS:
            yield step("revise_application", {"action": "resubmit", "note": f"第{r + 1}次补正：已补充资金来源说明"})
    for p in ["proposal", "feasibility"]:
        yield step("record_procedure", ls.procedure_document(p), procedure=p)
        yield step("check_procedure", ls.CONFIRM, procedure=p)
    yield step("record_procurement", ls.procurement("works"))
    yield step("check_procurement", ls.CONFIRM)
    yield step("record_contract", ls.contract())
    yield step("check_contract", ls.CONFIRM)
    yield step("next_contract", {"next_step": "done"})
    for month in range(periods):
        last = month == periods - 1
        yield step("report_progress", ls.progress_report(period(month), complete=last))
        if month % 6 == 5 and not last:
            yield step("check_progress", ls.returned("请补充本月形象进度照片。"))
            yield step("report_progress", ls.progress_report(period(month)))
        yield step("check_progress", ls.CONFIRM)
    for kind in ["specialist", "joint"]:
        yield step("record_acceptance", ls.acceptance(kind))
        yield step("check_acceptance", ls.CONFIRM)
    yield step("set_goals", ls.GOALS)
    yield step("check_goals", ls.CONFIRM)
    for stage in ["monitoring", "self"]:
        yield step("record_evaluation", ls.evaluation(stage), stage=stage)
        yield step("check_evaluation", ls.CONFIRM, stage=stage)
    yield step("key_evaluation", ls.evaluation("key"))
    yield step("use_of_results", ls.RESULTS_USE)


def periods_for(steps: int) -> int:
    """Enough progress periods that the project has at least `steps` completions before construction ends."""
    return max(MONTHS, steps // 2 + 10)  # two completions a period, and a few more for the returns


class Counter:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(" ".join(statement.split())[:100])

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)


@dataclass
class Point:
    steps: int
    task: str
    wall: float
    cpu: float
    statements: int
    state_bytes: int
    archive_bytes: int
    archive_rows: int


class Driver:
    def __init__(self, instance_id: int, user_ids: dict[str, int]) -> None:
        self.instance_id = instance_id
        self.user_ids = user_ids
        self.done = 0

    def task_for(self, s: Step) -> HumanTask:
        candidates = ls.ready(self.instance_id, s.bpmn_id)
        if s.match:
            candidates = [t for t in candidates if all(runtime.task_context(t).get(k) == v for k, v in s.match.items())]
        assert len(candidates) == 1, (s, ls.asked(self.instance_id))
        return candidates[0]

    def prepare(self, s: Step) -> tuple[int, int]:
        """Find the step's task and upload its required evidence (committed); return (task id, user id)."""
        task = self.task_for(s)
        uid = self.user_ids[ls.USERS[task.org_code]]
        user = db.session.get(User, uid)
        for slot in runtime.task_form(task).get("evidence") or []:
            if isinstance(slot, dict) and slot.get("required") and task.project_id is not None:
                name = f"{slot['slot']}.pdf"
                files.upload(user, task.project_id, slot["slot"], name, io.BytesIO(PDF), task_id=task.id)
        db.session.commit()
        tid = task.id
        db.session.remove()
        return tid, uid

    def complete(self, s: Step, commit: bool = True) -> tuple[float, float]:
        tid, uid = self.prepare(s)
        return self._complete(tid, uid, s, commit)

    def _complete(self, tid: int, uid: int, s: Step, commit: bool) -> tuple[float, float]:
        user = db.session.get(User, uid)  # the login manager's job, outside the clock
        assert user is not None
        c0, t0 = time.process_time(), time.perf_counter()
        inbox.complete(user, tid, dict(s.answers))
        t1, c1 = time.perf_counter(), time.process_time()
        if commit:
            db.session.commit()
            self.done += 1
        else:
            db.session.rollback()
        db.session.remove()
        return t1 - t0, c1 - c0

    def measure(self, s: Step, repeats: int, counter: Counter) -> Point:
        tid, uid = self.prepare(s)
        walls, cpus = [], []
        for _ in range(repeats):
            w, c = self._complete(tid, uid, s, commit=False)
            walls.append(w)
            cpus.append(c)
        counter.statements.clear()
        self._complete(tid, uid, s, commit=True)
        statements = len(counter.statements)
        state, archive, rows = sizes(self.instance_id)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        return Point(self.done - 1, s.bpmn_id, wall, cpu, statements, state, archive, rows)


def sizes(instance_id: int) -> tuple[int, int, int]:
    """(live state bytes, archived bytes, archived rows) of an instance."""
    state = db.session.scalar(select(ProcessInstance.state).where(ProcessInstance.id == instance_id)) or ""
    archive = rows = 0
    if inspect(db.engine).has_table("instance_archive"):
        row = db.session.execute(
            text("SELECT COALESCE(SUM(LENGTH(state)), 0), COUNT(*) FROM instance_archive WHERE instance_id = :i"),
            {"i": instance_id},
        ).one()
        archive, rows = int(row[0]), int(row[1])
    db.session.remove()
    return len(state.encode()), archive, rows


def run(url: str, checkpoints: list[int], repeats: int, finish: bool) -> list[Point]:
    tmp = tempfile.mkdtemp(prefix="zlw-growth-")
    app = create_app(make_settings(url, files_dir=str(Path(tmp) / "files")))
    points: list[Point] = []
    with app.app_context():
        db.create_all()
        deploy_repository()
        demo.seed()
        db.session.commit()
        users = {u.username: u.id for u in db.session.scalars(select(User))}
        project = db.session.scalars(select(Project).order_by(Project.id)).first()
        assert project is not None
        result = runtime.start_instance(
            "lifecycle", ls.start_data(project, ls.ALL_FUNCTIONS), actor_id=users["unit1"], project_id=project.id
        )
        db.session.commit()
        db.session.remove()
        driver = Driver(result.instance_id, users)
        counter = Counter(db.engine)
        pending = sorted(checkpoints)
        try:
            for s in project_steps(periods_for(max(checkpoints))):
                due = pending and driver.done >= pending[0]
                if due and s.bpmn_id in MEASURED and s.answers.get("decision") != "return":
                    point = driver.measure(s, repeats, counter)
                    points.append(point)
                    print(row(point, points[0]), flush=True)
                    pending.pop(0)
                    if not pending and not finish:
                        break
                    continue
                driver.complete(s)
        finally:
            counter.close()
        if finish:
            end = db.session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == result.instance_id))
            assert end == "completed", end
            open_tasks = db.session.scalar(
                select(func.count()).where(
                    HumanTask.instance_id == result.instance_id, HumanTask.state == HumanTaskState.READY
                )
            )
            assert open_tasks == 0
            print(f"project finished after {driver.done} completions: all eight processes ran", flush=True)
        db.session.remove()
        db.engine.dispose()
    return points


HEADER = (
    "| completed steps | measured task | wall p50 ms | CPU p50 ms | × 4-step | statements | state bytes "
    "| archived bytes (rows) |\n"
    "|---:|---|---:|---:|---:|---:|---:|---:|"
)


def row(p: Point, first: Point) -> str:
    return (
        f"| {p.steps} | {p.task} | {p.wall * 1000:.2f} | {p.cpu * 1000:.2f} | {p.wall / first.wall:.2f} | "
        f"{p.statements} | {p.state_bytes:,} | {p.archive_bytes:,} ({p.archive_rows}) |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="checkpoints 4 and 50, 3 repeats, then finish the project")
    parser.add_argument("--checkpoints", default="4,50,200,1000")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--url", help="an empty scratch database (default: a temporary SQLite file)")
    parser.add_argument("--no-finish", action="store_true", help="stop after the last checkpoint")
    args = parser.parse_args(argv)
    checkpoints = [4, 50] if args.smoke else [int(x) for x in args.checkpoints.split(",")]
    repeats = 3 if args.smoke else args.repeats
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='zlw-growth-db-')}/growth.db"
    print(f"python {platform.python_version()}, {platform.machine()}, database {url.split(':', 1)[0]}")
    print(HEADER)
    t0 = time.perf_counter()
    points = run(url, checkpoints, repeats, finish=not args.no_finish)
    print(f"({time.perf_counter() - t0:.1f} s)")
    if args.smoke or len(points) < 2:
        return 0
    ratio = points[-1].wall / points[0].wall
    ok = ratio <= GOAL_RATIO
    print(
        f"goal: the {points[-1].steps}-step completion within {GOAL_RATIO}x the {points[0].steps}-step one: "
        f"{ratio:.2f}x {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
