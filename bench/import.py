# ruff: noqa: N999  (the module is named after the command it measures: `python -m bench.import`)
"""Benchmark opening the project library from a 10,000-row workbook (`flask zlw import projects`).

Run from the repository root:

    .venv/bin/python -m bench.import [--rows 10000] [--runs 3] [--no-pg] [--smoke]

The workbook is made once with openpyxl, like a real library: --rows projects in the 11 regions
(a city-level one in ten), 400 project units of which the demo's one is registered (the other 399 are
created as unregistered units), competent departments of the city and the project's district, every
classification column, a given national code on one row in four (the rest are allocated), amounts with
up to four decimals, 建设年限 as "2026年-2028年".

Each run gets a fresh database (the demo data loaded, outside the clock) and measures, with the user
loaded beforehand, as the command does:
- parse: reading the workbook alone (openpyxl read-only) — the floor of any import;
- check: `transfer.import_projects(data, dry_run=True)`: read + every row checked, nothing written;
- import: `transfer.import_projects(data)` + `db.session.commit()`, split into the call and the commit;
- export: `workbooks.export_projects(city department, ProjectQuery())` of the whole library afterwards.
Statements are counted on db.engine (before_cursor_execute). Goal: the import under 10 s on SQLite.

SQLite is a temporary file; for PostgreSQL the benchmark creates its own database on
postgresql://postgres@127.0.0.1:5432/test (--pg-admin) and drops it at the end.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import event, select, text

from bench.engine import machine, pg_database
from tests.conftest import make_settings
from zerolegwork import create_app, demo
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User
from zerolegwork.orgs.reference import CITY, DEPT_TYPES, DISTRICTS
from zerolegwork.projects import codes, sheet, transfer, workbooks
from zerolegwork.projects.classification import (
    CATEGORIES,
    CONSTRUCTION_MODES,
    INDUSTRY_TYPES,
    INVESTMENT_MODES,
    INVESTMENT_POLICIES,
    MANAGEMENT_STATUSES,
)
from zerolegwork.projects.library import ProjectQuery

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
GOAL_SECONDS = 10.0
# the export's column order, which is the import's layout too
HEADERS = [sheet.COLUMNS[key] for key in workbooks.EXPORT_ORDER]


def make_workbook(rows: int) -> bytes:
    """A library of `rows` projects as an xlsx file."""
    regions = [CITY, *DISTRICTS]
    book = Workbook(write_only=True)
    ws = book.create_sheet("项目")
    ws.append(HEADERS)
    for i in range(rows):
        code, region = regions[0] if i % 10 == 0 else regions[1 + i % len(DISTRICTS)]
        city = region == CITY[1]
        if city or i % 3:
            department = "包头市" + DEPT_TYPES[("housing", "finance", "environment", "economy_it", "ndrc")[i % 5]]
        else:
            department = region + DEPT_TYPES[("finance", "ndrc")[i % 2]]
        unit = "包头市城市建设投资有限公司" if i % 400 == 0 else f"包头市第{i % 400}建设投资有限公司"
        year = 2020 + i % 7
        given = codes.compose(year, code, "99", "01", 50_000 + i) if i % 4 == 0 else ""
        ws.append(
            [
                given,
                f"{region}第{i}号基础设施建设项目",
                unit,
                "市本级" if city else "旗县区",
                region,
                CATEGORIES[i % len(CATEGORIES)],
                department,
                round(100 + (i * 37.1234) % 90_000, 4),
                round((i * 11.5) % 5_000, 2),
                f"{year}年-{year + 1 + i % 3}年",
                INVESTMENT_POLICIES[i % len(INVESTMENT_POLICIES)],
                INDUSTRY_TYPES[i % len(INDUSTRY_TYPES)],
                CONSTRUCTION_MODES[i % len(CONSTRUCTION_MODES)],
                INVESTMENT_MODES[i % len(INVESTMENT_MODES)],
                MANAGEMENT_STATUSES[i % len(MANAGEMENT_STATUSES)],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fresh(url: str) -> Any:
    app = create_app(make_settings(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        demo.seed()
        db.session.commit()
    return app


def measure(url: str, data: bytes, rows: int) -> dict[str, float]:
    """One run on a fresh database; seconds per phase and statements of the import."""
    app = fresh(url)
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    with app.app_context():
        out: dict[str, float] = {}
        t = time.perf_counter()
        parsed = sheet.read_rows(data, sheet.ImportReport())
        out["parse"] = time.perf_counter() - t
        assert len(parsed) == rows
        t = time.perf_counter()
        checked = transfer.import_projects(data, dry_run=True)
        out["check"] = time.perf_counter() - t
        assert checked.ok, checked.errors[:5]
        db.session.rollback()
        event.listen(db.engine, "before_cursor_execute", count)
        t = time.perf_counter()
        report = transfer.import_projects(data, filename="bench.xlsx")
        out["call"] = time.perf_counter() - t
        t2 = time.perf_counter()
        db.session.commit()
        out["commit"] = time.perf_counter() - t2
        out["import"] = time.perf_counter() - t
        event.remove(db.engine, "before_cursor_execute", count)
        out["statements"] = statements[0]
        assert report.ok and report.imported == rows, report.errors[:5]
        out["units"] = len(report.units_created)
        out["allocated"] = report.codes_allocated
        assert db.session.scalar(text("SELECT count(*) FROM project")) == rows + len(demo.PROJECTS)
        viewer = db.session.scalars(select(User).where(User.username == "finance1")).one()
        t = time.perf_counter()
        exported = workbooks.export_projects(viewer, ProjectQuery())
        out["export"] = time.perf_counter() - t
        out["export_kb"] = len(exported) / 1024
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return out


def run_all(label: str, url_for_run: Any, data: bytes, args: argparse.Namespace) -> list[str]:
    runs = [measure(url_for_run(i), data, args.rows) for i in range(args.runs)]
    lines = []
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    every = ", ".join(f"{r['import']:.2f}" for r in runs)
    lines.append(
        f"| {label} | {med['parse']:.2f} | {med['check']:.2f} | {med['call']:.2f} | {med['commit']:.2f} | "
        f"**{med['import']:.2f}** ({every}) | {int(med['statements'])} | {med['export']:.2f} |"
    )
    print(lines[-1], flush=True)
    print(
        f"    units created {int(med['units'])}, codes allocated {int(med['allocated'])}, "
        f"export {med['export_kb']:.0f} KiB",
        flush=True,
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-admin", default=PG_ADMIN_URL)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="50 rows, one run: seconds; CI runs it")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.runs = 50, 1

    t = time.perf_counter()
    data = make_workbook(args.rows)
    print(f"workbook: {args.rows} rows, {len(data) / 1024:.0f} KiB, made in {time.perf_counter() - t:.1f} s")
    print("seconds, median of runs (each run in brackets):")
    print("| database | parse | check (dry run) | import call | commit | **import + commit** | statements | export |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    pg_version = None
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = run_all("SQLite", lambda i: f"sqlite:///{Path(tmp) / f'import{i}.db'}", data, args)
    failed = any(float(line.split("**")[1]) > GOAL_SECONDS for line in sqlite)
    if not args.no_pg:
        with pg_database(args.pg_admin, None) as url:
            if url is not None:
                app = create_app(make_settings(url))
                with app.app_context():
                    pg_version = db.session.scalar(text("SHOW server_version"))
                    db.engine.dispose()
                run_all("PostgreSQL", lambda i: url, data, args)
    print()
    print("\n".join(machine(pg_version)))
    verdict = "MISSED" if failed else "met"
    print(f"goal: import + commit of {args.rows} rows under {GOAL_SECONDS:.0f} s on SQLite: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
