"""Reports read from a replica by a setting (issue 17 item 5): ZLW_REPORTS_DATABASE_URL names a second engine.

On PostgreSQL the second engine is a separate pool on the same database, its connections named
`application_name=zlw-reports`, read-only; a statement listener on each engine tells which one ran what.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError

from tests.conftest import _build_app, deploy_repository
from tests.reports.fixed_support import build_world
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.projects.library import ProjectQuery
from zerolegwork.replica import reports_engine, reports_reads
from zerolegwork.reports.composer import services as composer
from zerolegwork.reports.fixed import charts, overview, tables
from zerolegwork.reports.pdf import services as pdf

APP_NAME = "zlw-reports"
DEFINITION = {"dims": ["region", "category"], "measures": ["project_count", "planned_investment", "completion_pct"]}
PROJECT_TABLES = re.compile(r"\b(project|investment_plan|funding_source|progress_report|human_task)\b")


@pytest.fixture
def replica_app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on PostgreSQL whose reports read through a second engine (the same database, its own pool)."""
    url = request.getfixturevalue("pg_database")
    application = _build_app("postgresql", tmp_path, request, reports_database_url=f"{url}?application_name={APP_NAME}")
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        reports_engine().dispose()
        db.engine.dispose()


@pytest.fixture
def world(replica_app: Flask) -> dict[str, Any]:
    return build_world()  # committed: a replica sees only what the primary committed


class Statements:
    """The statements each engine ran while the block ran: {"primary": [...], "reports": [...]}."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {"primary": [], "reports": []}

    def __call__(self, run: Callable[[], Any]) -> Any:
        engines = {"primary": db.engine, "reports": reports_engine()}
        listeners = {}
        for name, engine in engines.items():

            def listener(conn: Any, cursor: Any, statement: str, *args: Any, name: str = name) -> None:
                self.seen[name].append(statement)

            listeners[name] = listener
            event.listen(engine, "before_cursor_execute", listener)
        try:
            return run()
        finally:
            for name, engine in engines.items():
                event.remove(engine, "before_cursor_execute", listeners[name])

    def project_reads_on(self, name: str) -> list[str]:
        return [s for s in self.seen[name] if s.lstrip().upper().startswith("SELECT") and PROJECT_TABLES.search(s)]


def test_the_reports_engine_is_a_second_named_read_only_pool(world):
    engine = reports_engine()
    assert engine is not None and engine is not db.engine
    assert engine.url.query["application_name"] == APP_NAME
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT current_setting('application_name')")) == APP_NAME
        with pytest.raises((InternalError, OperationalError, ProgrammingError), match="read-only"):
            conn.execute(text("UPDATE project SET name = name"))


def test_fixed_tables_read_on_the_reports_engine_and_keep_their_statement_counts(world):
    user = world["users"]["finance1"]
    tables.regional_table(user)  # warm: the user's organisation and region load once
    counts = {}
    for name in tables.TABLES:
        seen = Statements()
        table = seen(lambda n=name: tables.build(n, user))
        assert table.rows
        assert not seen.project_reads_on("primary"), name
        counts[name] = len(seen.seen["reports"])
    # the pins of test_fixed_tables, now counted on the reports engine
    assert counts == {"regional": 1, "category": 1, "stage": 1, "department": 1, "funding": 3}
    grand = tables.build("regional", user).rows[0]
    assert grand.cells()[1:3] == ["汇总", "7"]


def test_a_composed_report_reads_on_the_reports_engine(world):
    user = world["users"]["finance1"]
    seen = Statements()
    table = seen(lambda: composer.build(user, DEFINITION))
    assert table.rows[0].values[0] == 7
    assert seen.project_reads_on("reports") and not seen.project_reads_on("primary")


def test_the_overview_and_charts_read_on_the_reports_engine(world):
    user = world["users"]["finance1"]
    overview.investment_overview(user, ProjectQuery())  # warm the user's organisation
    seen = Statements()
    result = seen(lambda: overview.investment_overview(user, ProjectQuery()))
    assert result.total.count == 7
    assert len(seen.seen["reports"]) == 7  # the total and six groupings, as test_overview pins them
    assert not seen.project_reads_on("primary")
    seen = Statements()
    seen(lambda: charts.group_progress(user, ProjectQuery()))
    seen(lambda: charts.project_progress(user, world["p1"]))
    assert seen.project_reads_on("reports") and not seen.project_reads_on("primary")


def test_the_project_pdf_data_reads_on_the_reports_engine(world):
    db.session.expire_all()
    seen = Statements()
    data = seen(lambda: pdf.render(world["p1"]))
    assert data.startswith(b"%PDF")
    assert len(seen.seen["reports"]) >= 10  # about twenty: project, records, actors, attachments, tasks …
    assert seen.seen["primary"] == []


def test_an_export_reads_on_the_replica_and_writes_its_audit_event_on_the_primary(world):
    user = world["users"]["finance1"]
    seen = Statements()

    def export() -> bytes:
        data = composer.export(user, composer.build(user, DEFINITION), "csv")
        db.session.commit()
        return data

    assert seen(export).startswith(b"\xef\xbb\xbf")
    assert [s for s in seen.seen["primary"] if s.startswith("INSERT INTO audit_event")]
    assert not [s for s in seen.seen["reports"] if not s.lstrip().upper().startswith("SELECT")]
    found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")).one()
    assert found.detail["checksum"] and found.actor_id == user.id


def test_inside_the_block_a_flush_and_a_locking_read_still_go_to_the_primary(world):
    from zerolegwork.projects.models import Project

    seen = Statements()

    def block() -> None:
        with reports_reads():
            db.session.scalars(select(Project.id).where(Project.id == world["p1"]).with_for_update()).one()
            projects.create_project(None, "副本测试项目", world["users"]["unit1"].org_id, "昆区", "工业", Decimal("1"))
            db.session.flush()

    seen(block)
    assert any("FOR UPDATE" in s for s in seen.seen["primary"])
    assert any(s.startswith("INSERT INTO project") for s in seen.seen["primary"])
    assert all(s.startswith("SELECT") and "FOR UPDATE" not in s for s in seen.seen["reports"])
    db.session.rollback()


def test_a_project_the_replica_does_not_have_yet_is_reported_from_the_primary(world):
    from zerolegwork.projects.models import Project

    unit = world["users"]["unit1"]
    young = projects.create_project(None, "刚登记的项目", unit.org_id, "昆区", "工业", Decimal("10"))
    db.session.flush()  # on the primary, not committed: what a lagging replica looks like
    with reports_reads():
        assert db.session.scalar(select(func.count()).select_from(Project).where(Project.id == young.id)) == 0
    assert pdf.render(young.id).startswith(b"%PDF")
    db.session.rollback()


def test_the_replica_connections_show_in_pg_stat_activity(world):
    tables.build("regional", world["users"]["finance1"])
    named = db.session.scalar(
        text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = :n"),
        {"n": APP_NAME},
    )
    assert named >= 1


def test_with_the_setting_empty_everything_reads_the_primary(pg_app):
    world = build_world()
    assert reports_engine() is None and list(db.engines) == [None]
    user = world["users"]["finance1"]
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        tables.build("regional", user)
        composer.build(user, DEFINITION)
        overview.investment_overview(user, ProjectQuery())
        pdf.render(world["p1"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in seen if PROJECT_TABLES.search(s)]) >= 10
