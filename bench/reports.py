"""Benchmark the reports on PostgreSQL with 100,000 projects.

Run from the repository root:

    .venv/bin/python -m bench.reports [--projects 100000] [--runs 30] [--smoke]

Creates its own database on postgresql://postgres@127.0.0.1:5432/test and drops it at the end.
Data: the demo seed, then --projects projects spread over the 11 regions, 9 categories, 3 start
years and 4 states (INSERT … SELECT generate_series on the server), an investment plan with two
funding sources for every second project, three monthly progress reports for every third, a
contract for every fourth, a procurement for every fifth, an acceptance and an evaluation for every
tenth; then VACUUM ANALYZE.

Measured, --runs times each, in an app context with a fresh session per run:
- the fixed regional statistics table (`reports.fixed.tables.regional_table`) read by a city department,
  a district department and the command line (no user);
- a three-dimension self-composed report (`reports.composer.table.build`, region × category × start year)
  with the four core measures, with twelve measures, and with the funding-source dimension;
- the fund reconciliation report (funds.report.build) by region and by source, and the fund measures
  (已安排资金, 已拨付金额, 拨付进度%) in a twelve-measure report and by funding source, over --payments payments;
- the SQL statements each takes.
Goal (issue 6): p95 ≤ 200 ms for the regional table and a three-dimension report. The project PDF
and the batch of 1,300 PDFs are measured by bench/report_pdf.py.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select, text

from bench.engine import machine, pct, pg_database
from tests.conftest import make_settings
from zerolegwork import create_app, demo
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
GOAL_MS = 200.0

FILL = [
    # projects: region, category, start year, state spread by the series number
    """
    INSERT INTO project (code, name, unit_id, region_id, level, category, planned_investment,
                         cumulative_investment, start_year, state, management_status, stage, created_at)
    SELECT 'B-' || lpad(i::text, 8, '0'), '基准项目' || i, :unit,
           r.id, r.level,
           (ARRAY['市政道路','城市更新','房屋建筑','工业','信息化','生态环保','农林水利','社会事业','其他'])[1 + i % 9],
           1000 + (i % 997) * 10.5, (i % 997) * 6.25,
           2024 + i % 3,
           (ARRAY['draft','in_approval','approved','closed'])[1 + i % 4], '在建',
           (ARRAY['information','investment','preparation','construction'])[1 + i % 4],
           now() - interval '30 days'
    FROM generate_series(1, :n) AS s(i)
    JOIN (SELECT id, level, row_number() OVER (ORDER BY id) - 1 AS k FROM region) r ON r.k = s.i % 11
    """,
    """
    INSERT INTO investment_plan (project_id, version, total, term_years, construction_cost, equipment_cost,
                                 other_cost, contingency, created_at, extra)
    SELECT id, 1, planned_investment, 2, planned_investment, 0, 0, 0, now() - interval '20 days', '{}'
    FROM project WHERE id % 2 = 0
    """,
    """
    INSERT INTO funding_source (plan_id, source, amount)
    SELECT id, s.source, total / 2 FROM investment_plan, (VALUES ('central'), ('city')) AS s(source)
    """,
    """
    INSERT INTO progress_report (project_id, period, time_progress, investment_completed, funds_disbursed,
                                 construction_complete, created_at, extra)
    SELECT id, '2026-0' || m, 10 * m, cumulative_investment * m / 3, cumulative_investment * m / 4, false,
           now() - interval '10 days', '{}'
    FROM project, generate_series(1, 3) AS g(m) WHERE id % 3 = 0
    """,
    """
    INSERT INTO contract (project_id, title, contract_type, party_a, party_b, amount, signed_on, start_on, end_on,
                          created_at, extra)
    SELECT id, '施工合同', '施工', '甲', '乙', planned_investment * 0.8, date '2026-04-01', date '2026-05-01',
           date '2027-10-01', now() - interval '15 days', '{}'
    FROM project WHERE id % 4 = 0
    """,
    """
    INSERT INTO procurement (project_id, title, method, procurement_type, budget, award_amount, winner, awarded_on,
                             created_at, extra)
    SELECT id, '施工招标', '公开招标', 'works', planned_investment * 0.9, planned_investment * 0.85, '中标人',
           date '2026-03-15', now() - interval '16 days', '{}'
    FROM project WHERE id % 5 = 0
    """,
    """
    INSERT INTO acceptance (project_id, acceptance_type, result, accepted_on, organiser, created_at, extra)
    SELECT id, 'joint', (ARRAY['passed','conditional','failed'])[1 + id % 3], date '2026-10-01', '住建局',
           now() - interval '5 days', '{}'
    FROM project WHERE id % 10 = 0
    """,
    """
    INSERT INTO performance_evaluation (project_id, stage, score, grade, findings, created_at, extra)
    SELECT id, 'self', 60 + id % 40, (ARRAY['优','良','中','差'])[1 + id % 4], '自评', now() - interval '4 days', '{}'
    FROM project WHERE id % 10 = 0
    """,
    """
    INSERT INTO budget_arrangement (project_id, year, amount, source, document_no, arranged_on, created_at)
    SELECT id, 2026, planned_investment / 4, s.source, '包财建〔2026〕' || id || '号-' || s.source, date '2026-03-01',
           now() - interval '25 days'
    FROM project, (VALUES ('central'), ('city')) AS s(source) WHERE id % 2 = 0
    """,
]

# payments: :payments rows spread evenly over the projects with an arrangement (every second one)
PAYMENTS = """
    WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM project WHERE id % 2 = 0),
         c AS (SELECT count(*) AS n FROM p)
    INSERT INTO payment (project_id, kind, paid_on, amount, payee, source, note, entry, org_id, created_by_id,
                         created_at)
    SELECT p.id, 'payment', date '2026-04-01' + (g.i % 150), 1 + (g.i % 97) * 0.5, '收款单位',
           (ARRAY['central','city'])[1 + g.i % 2], '', 'api', :unit, :user, now() - interval '3 days'
    FROM generate_series(1, :payments) AS g(i) CROSS JOIN c JOIN p ON p.k = g.i % c.n
"""

COMPOSED = [
    (
        "3 dims (region × category × year), 4 core measures",
        {
            "dims": ["region", "category", "start_year"],
            "measures": ["project_count", "planned_investment", "cumulative_investment", "completion_pct"],
        },
    ),
    ("3 dims, 12 measures", None),  # filled from the catalog below
    ("3 dims, 12 measures with the 3 fund measures", "funds"),
    (
        "3 dims with funding source",
        {"dims": ["region", "category", "funding_source"], "measures": ["project_count", "planned_investment"]},
    ),
    (
        "3 dims with funding source, fund measures",
        {
            "dims": ["region", "category", "funding_source"],
            "measures": ["project_count", "arranged_amount", "paid_amount", "payment_pct"],
        },
    ),
]
FUND_MEASURES = ["arranged_amount", "paid_amount", "payment_pct"]


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], int]:
    """Wall times in ms of `runs` calls (each with a fresh session), and the statements of the last."""
    seen: list[str] = []

    def count(*_args: Any) -> None:
        seen.append("x")

    times = []
    for _ in range(runs):
        db.session.remove()
        seen.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        event.remove(db.engine, "before_cursor_execute", count)
    return times, len(seen)


def line(label: str, times: list[float], statements: int) -> str:
    p95 = pct(times, 95)
    verdict = "meets" if p95 <= GOAL_MS else "MISSES"
    return (
        f"{label:<52} p50 {pct(times, 50):7.1f} ms   p95 {p95:7.1f} ms   "
        f"statements {statements:2d}   {verdict} the {GOAL_MS:.0f} ms goal"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--pg-admin", default=PG_ADMIN_URL)
    parser.add_argument("--smoke", action="store_true", help="500 projects, 2 runs: seconds; CI runs it")
    args = parser.parse_args(argv)
    if args.smoke:
        args.projects, args.runs, args.payments = 500, 2, 5_000

    with pg_database(args.pg_admin, None) as url:
        if url is None:
            return
        app = create_app(make_settings(url))
        with app.app_context():
            db.create_all()
            demo.seed()
            db.session.commit()
            version = db.session.scalar(text("SHOW server_version"))
            unit = db.session.scalar(text("SELECT id FROM organisation WHERE code = 'demo_unit'"))
            started = time.perf_counter()
            for statement in FILL:
                db.session.execute(text(statement), {"unit": unit, "n": args.projects})
            someone = db.session.scalar(text("SELECT id FROM \"user\" WHERE username = 'unit1'"))
            db.session.execute(text(PAYMENTS), {"unit": unit, "user": someone, "payments": args.payments})
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            print("\n".join(machine(version)))
            print(
                f"data:       {args.projects} projects, {args.payments} payments, "
                f"filled in {time.perf_counter() - started:.1f} s"
            )

            from zerolegwork.reports.composer import services as composer
            from zerolegwork.reports.fixed import tables

            def user(name: str) -> User:
                return db.session.scalars(select(User).where(User.username == name)).one()

            results = []
            for label, who in [
                ("regional table, city department (finance1)", "finance1"),
                ("regional table, district department (东河区)", "finance1_150202"),
                ("regional table, command line (every project)", None),
            ]:
                times, n = timed(lambda who=who: tables.regional_table(user(who) if who else None), args.runs)
                results.append(line(label, times, n))
            from zerolegwork.funds import report as fund_report

            reconciliation = [
                ("reconciliation report by region (finance1)", "region"),
                ("… by funding source", "source"),
            ]
            for label, by in reconciliation:
                times, n = timed(lambda by=by: fund_report.build(user("finance1"), by), args.runs)
                results.append(line(label, times, n))
            core = [m for m in composer.MEASURES if m != "funding_amount" and m not in FUND_MEASURES]
            for label, definition in COMPOSED:
                if definition is None or definition == "funds":
                    measures = core[:12] if definition is None else core[:9] + FUND_MEASURES
                    definition = {"dims": ["region", "category", "start_year"], "measures": measures}
                times, n = timed(lambda d=definition: composer.build(user("finance1"), d), args.runs)
                results.append(line(label, times, n))
            print("\n".join(results))
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
