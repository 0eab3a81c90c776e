"""Online review at a call's scale: 200 applications, five experts each (issue 15's bench).

Run from the repository root:

    .venv/bin/python -m bench.review [--smoke] [--applications 200] [--db sqlite,postgresql]

On a fresh database with the demo, its 30-expert pool (reviews/demo.py) and the diagrams deployed, a
finance call takes N applications of the demo unit. Timed, through the same services the pages call:
- 确定项目 for the whole batch (one request: N review cases, N instances, the first step completed);
- 组建专家: each panel's draw (five experts across five fields, avoidance, the draw recorded) as the
  step's completion — p50/p95 and the total for all N panels;
- the experts' declarations and score sheets (5 × N), untimed;
- aggregation: every panel's aggregate (mean, outliers, the trimmed mean of five) — total and per panel;
- 综合评定 (conclude the panel, keep score and verdict) per case — p50/p95;
- the review reports: 结果运用 enters each case into the review library, then the call's N 评审报告 are
  rendered as one reports/batch batch (kind "review": chunks, progress, the ZIP) — `reports_batch_s`.
--smoke: 4 applications, SQLite only. Figures are printed; nothing is judged (no bound is set by the issue).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bench.engine import PG_ADMIN_URL, pg_database
from tests.conftest import deploy_repository, make_settings
from zerolegwork import create_app, demo
from zerolegwork.calls import applications
from zerolegwork.calls import services as calls
from zerolegwork.engine.models import HumanTask, HumanTaskState
from zerolegwork.experts import panels, scoring, sheets
from zerolegwork.experts.models import ReviewPanel
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User
from zerolegwork.projects import services as projects
from zerolegwork.reviews import demo as review_demo
from zerolegwork.reviews.models import ReviewCase
from zerolegwork.reviews.services import start_reviews

MIX = "工程造价:1, 财务:1, 市政道路:1, 环境影响评价:1, 建筑结构:1"
PLAN = {**review_demo.PLAN, "mix": MIX, "aggregation": "trimmed", "presentation": "", "defence": "", "site_survey": ""}
POINTS = ("18", "17", "22", "16", "12")


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"


def step(case: ReviewCase, bpmn_id: str) -> HumanTask:
    return db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == case.instance_id,
            HumanTask.bpmn_id == bpmn_id,
            HumanTask.state == HumanTaskState.READY,
        )
    ).one()


def work(case: ReviewCase, bpmn_id: str, answers: dict[str, Any]) -> float:
    task = step(case, bpmn_id)
    t = time.perf_counter()
    review_demo.work(task, answers)
    db.session.commit()
    return time.perf_counter() - t


def run(url: str, n: int) -> dict[str, Any]:
    app = create_app(make_settings(url))
    out: dict[str, Any] = {"applications": n}
    with app.app_context():
        db.create_all()
        demo.seed()
        db.session.commit()
        deploy_repository()
        sheets.seed_sheets()
        review_demo.seed_pool()
        db.session.commit()
        finance = db.session.scalars(select(User).where(User.username == "finance1")).one()
        unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
        form = MultiDict(
            {"title": "基准评审征集", "opens_on": "2026-09-21", "closes_on": "2026-10-09", "funding_source": "central"}
        )
        real_today = calls.today_local
        calls.today_local = lambda: date(2026, 9, 22)  # inside the call's window
        try:
            call = calls.create_call(finance, form)
            calls.publish_call(finance, call.id)
            ids = []
            for i in range(n):
                project = projects.create_project(
                    None, f"基准奖补项目{i}", unit.org_id, "昆区", "市政道路", Decimal("100")
                )
                ids.append(applications.apply(unit, call.id, project.id, {}).id)
            db.session.commit()
        finally:
            calls.today_local = real_today
        t = time.perf_counter()
        start_reviews(finance, call, ids, "review", "")
        db.session.commit()
        out["choose_batch_s"] = time.perf_counter() - t
        cases = list(db.session.scalars(select(ReviewCase).order_by(ReviewCase.id)))
        today = "2026-10-12"
        for case in cases:
            work(case, "accept_review", review_demo.answers_for("accept_review", today))
            work(case, "make_plan", {**PLAN, "review_starts": today, "review_ends": today})
        draws = [work(case, "form_panel", {"confirm_draw": "1"}) for case in cases]
        out["draw"] = ms(draws)
        out["draw_all_s"] = sum(draws)
        t = time.perf_counter()
        for case in cases:
            panel = db.session.get(ReviewPanel, case.panel_id)
            for member in panel.active_members:
                user = db.session.get(User, member.expert.user_id)
                panels.declare(user, member, {"choice": "no_conflict", "confirm": "1"})
                scores = {f"score_{c['key']}": POINTS[i] for i, c in enumerate(panel.sheet.criteria)}
                scoring.submit(user, panel, {**scores, "opinion": "同意"})
            db.session.commit()
        out["scoring_untimed_s"] = time.perf_counter() - t
        db.session.expire_all()
        t = time.perf_counter()
        each = []
        for case in cases:
            t1 = time.perf_counter()
            result = scoring.aggregate(db.session.get(ReviewPanel, case.panel_id))
            assert result.complete and result.score is not None
            each.append(time.perf_counter() - t1)
        out["aggregate_all_s"] = time.perf_counter() - t
        out["aggregate"] = ms(each)
        for case in cases:
            work(case, "material_review", {"note": ""})
        assessments = [
            work(case, "overall_assessment", {"verdict": "pass", "recommended_amount": "80", "opinion": "同意"})
            for case in cases
        ]
        out["assessment"] = ms(assessments)
        for case in cases:  # 结果运用: each case enters the review library
            work(case, "use_results", {"opinion": ""})
        out["reports_batch_s"] = render_reports(finance, call)
    return out


def render_reports(finance: User, call: Any) -> float:
    """The call's N review reports as one batch (plan, chunks, ZIP) run step by step as the worker would."""
    from zerolegwork import jobs
    from zerolegwork.jobs import OutboxJob, OutboxState
    from zerolegwork.reports.batch import services as batches
    from zerolegwork.reports.batch.models import BatchState, ReportBatch
    from zerolegwork.review_library.batch import start_review_batch

    t = time.perf_counter()
    batch = start_review_batch(finance, call)
    db.session.commit()
    db.session.info.pop("outbox_committed", None)  # the steps run here, each committed, as the worker would
    pending = select(OutboxJob).where(OutboxJob.job == batches.JOB, OutboxJob.state == OutboxState.PENDING)
    while steps := list(db.session.scalars(pending.order_by(OutboxJob.id))):
        for row in steps:
            jobs.execute(row.id)
    elapsed = time.perf_counter() - t
    db.session.expire_all()
    done = db.session.get_one(ReportBatch, batch.id)
    assert done.state == BatchState.DONE and done.done_count == done.total, (done.state, done.error)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.review", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="4 applications, SQLite only")
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    n = 4 if args.smoke else args.applications
    dbs = ["sqlite"] if args.smoke else [d.strip() for d in args.db.split(",") if d.strip()]
    machine = f"{platform.node()} {platform.processor() or platform.machine()}"
    print(f"bench.review: {n} applications, 5 experts each; {machine}")
    for name in dbs:
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                result = run(f"sqlite:///{Path(tmp) / 'review.db'}", n)
        else:
            with pg_database(PG_ADMIN_URL, None) as url:
                if url is None:
                    continue
                result = run(url, n)
        print(f"[{name}]")
        for key, value in result.items():
            print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
