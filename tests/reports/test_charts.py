"""Progress charts: a project's series and photo timeline, a group's sums, scoped like the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import _build_app, deploy_repository
from tests.reports.fixed_support import add_photos, build_world
from zerolegwork.extensions import db


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app whose uploads land under this test's own folder."""
    application = _build_app("sqlite", tmp_path, request, files_dir=str(tmp_path / "files"))
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_world()


def test_project_progress_takes_the_latest_report_of_each_period(world, client, login):
    login("unit1")
    body = client.get(f"/reports/projects/{world['p1']}/progress.json").get_json()
    assert body["periods"] == ["2026-01", "2026-02"]
    assert body["investment_completed"] == ["120.0000", "200.0000"]  # January's correction counts
    assert body["funds_disbursed"] == ["80.0000", "150.0000"]
    assert body["time_progress"] == ["30.0000", "60.0000"]
    assert body["work_quantity_progress"] == ["20.0000", "50.0000"]
    assert body["plan"] == ["300.0000", "300.0000"]  # plan against actual
    assert body["planned_investment"] == "300.0000"
    assert body["photos"] == []


def test_a_project_without_reports_has_empty_series(world, client, login):
    from zerolegwork.extensions import db
    from zerolegwork.projects.models import Project

    demo_project = db.session.scalars(db.select(Project).order_by(Project.id)).first()
    login("unit1")
    body = client.get(f"/reports/projects/{demo_project.id}/progress.json").get_json()
    assert body["periods"] == [] and body["investment_completed"] == [] and body["plan"] == []


def test_the_photo_timeline_lists_site_and_log_photos_with_dates_and_preview_links(world, client, login):
    import io

    from tests.files.samples import PDF
    from zerolegwork.files import services as files

    photos = add_photos(world)
    files.upload(world["users"]["unit1"], world["p1"], "investment_basis", "估算.pdf", io.BytesIO(PDF))
    db.session.commit()
    login("unit1")
    timeline = client.get(f"/reports/projects/{world['p1']}/progress.json").get_json()["photos"]
    assert [p["id"] for p in timeline] == [photos["log"], photos["site"]]  # the log entry is dated 30 days ago
    assert timeline[0]["date"] == photos["entry_date"]
    assert timeline[0]["url"] == f"/files/{photos['log']}/preview"
    assert client.get(timeline[1]["url"]).status_code == 200


def test_foreign_projects_charts_answer_404(world, client, login):
    login("finance1_150202")  # 东河区: P1 is a city project
    assert client.get(f"/reports/projects/{world['p1']}/progress.json").status_code == 404
    assert client.get(f"/reports/projects/{world['p5']}/progress.json").status_code == 200
    assert client.get("/reports/projects/999999/progress.json").status_code == 404


def test_group_progress_sums_each_projects_latest_figure_per_month(world, client, login):
    login("finance1")
    body = client.get("/reports/charts.json").get_json()
    assert body["projects"] == 7
    assert body["periods"] == ["2026-01", "2026-02", "2026-03"]
    # Jan: P1 120 + P2 1; Feb: P1 200 + P2 1 + P4 2000; Mar: + P5 100 (= the regional table's 2301)
    assert body["investment_completed"] == ["121.0000", "2201.0000", "2301.0000"]
    # Jan: P1 80; Feb: P1 150 + P4 1000; Mar: + P5 100
    assert body["funds_disbursed"] == ["80.0000", "1150.0000", "1250.0000"]
    assert body["plan"] == ["61100.5000"] * 3


def test_group_percentages_are_weighted_by_planned_investment(world, client, login):
    login("finance1")
    body = client.get("/reports/charts.json?category=市政道路").get_json()
    assert body["projects"] == 3  # demo 昆区 12800 (no reports), P1 300, P4 3200: planned 16300
    assert body["periods"] == ["2026-01", "2026-02"]
    assert body["investment_completed"] == ["120.0000", "2200.0000"]
    # Jan: 30 % × 300 = 90 → 0.55 %; Feb: (60 % × 300 + 40 % × 3200) = 1460 → 8.96 %
    assert body["time_progress"] == ["0.55", "8.96"]
    # Jan: 20 % × 300 = 60 → 0.37 %; Feb: 50 % × 300 + 30 % × 3200 = 1110 → 6.81 %
    assert body["work_quantity_progress"] == ["0.37", "6.81"]


def test_a_dimension_nobody_reported_has_no_points(world, client, login):
    login("finance1")
    body = client.get(f"/reports/charts.json?region_id={_region_id('九原区')}").get_json()
    assert body["periods"] == ["2026-01"]
    assert body["investment_completed"] == ["1.0000"]
    assert body["time_progress"] == [None] and body["funds_disbursed"] == [None]


def test_group_charts_are_scoped_to_what_the_user_may_see(world, client, login):
    add_photos(world)
    login("finance1_150202")
    body = client.get("/reports/charts.json").get_json()
    assert body["projects"] == 2
    assert body["investment_completed"] == ["100.0000"] and body["periods"] == ["2026-03"]
    assert body["photos"] == []  # P1's photos are the city's
    login("finance1")
    photos = client.get("/reports/charts.json").get_json()["photos"]
    assert {p["project"] for p in photos} == {"市本级道路项目P1"} and len(photos) == 2


def test_the_charts_page_and_the_project_page_include_the_charts(world, client, login):
    login("unit1")
    page = client.get("/reports/charts?category=市政道路").get_data(as_text=True)
    assert "/vendor/echarts.min.js" in page
    assert "/reports/charts.json?category=" in page
    detail = client.get(f"/projects/{world['p1']}").get_data(as_text=True)
    assert f"/reports/projects/{world['p1']}/progress.json" in detail
    assert 'data-testid="project-charts"' in detail


def test_group_charts_are_a_constant_number_of_statements(world):
    from sqlalchemy import event

    from zerolegwork.projects.library import ProjectQuery
    from zerolegwork.reports.fixed import charts

    user = world["users"]["finance1"]
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    charts.group_progress(user, ProjectQuery())  # warm
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        charts.group_progress(user, ProjectQuery())
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 6  # totals, four dimensions, photos (no log photos: no date query)


def test_group_progress_is_the_same_on_postgresql(pg_app):
    from zerolegwork.projects.library import ProjectQuery
    from zerolegwork.reports.fixed import charts

    world = build_world()
    body = charts.group_progress(world["users"]["finance1"], ProjectQuery.from_args({"category": "市政道路"}))
    assert body["investment_completed"] == ["120.0000", "2200.0000"]
    assert body["time_progress"] == ["0.55", "8.96"]
    assert charts.group_progress(world["users"]["finance1"], ProjectQuery())["funds_disbursed"] == [
        "80.0000",
        "1150.0000",
        "1250.0000",
    ]


def _region_id(name: str) -> int:
    from zerolegwork.orgs import services as orgs

    region = orgs.region_by_name(name)
    assert region is not None
    return region.id
