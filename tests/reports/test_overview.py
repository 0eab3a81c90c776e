"""The investment overview: grouped totals of the visible projects, each figure drilling down to exactly them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from tests.reports.fixed_support import build_world
from zerolegwork.projects.library import ProjectQuery
from zerolegwork.reports.fixed import overview


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_world()


def figures(grouping: overview.Grouping) -> list[tuple[str, int, str, str, int | None]]:
    return [(g.label, g.count, str(g.planned), str(g.cumulative), g.percent) for g in grouping.groups]


def by_key(result: overview.Overview) -> dict[str, overview.Grouping]:
    return {g.key: g for g in result.groupings}


def test_overview_totals_and_groups_worked_out_by_hand(world, client, login):
    login("finance1")  # a request context: the labels are translated
    with client.application.test_request_context():
        result = overview.investment_overview(world["users"]["finance1"], ProjectQuery())
    assert (result.total.count, result.total.planned, result.total.cumulative) == (
        7,
        Decimal("61100.5000"),
        Decimal("2301.0000"),
    )
    assert result.total.percent == 4
    groups = by_key(result)
    assert list(groups) == ["region", "category", "department", "level", "state", "stage"]
    assert figures(groups["region"]) == [
        ("市本级", 1, "300.0000", "200.0000", 67),
        ("东河区", 2, "9000.0000", "100.0000", 1),
        ("青山区", 1, "35600.5000", "0.0000", 0),
        ("昆区", 2, "16000.0000", "2000.0000", 13),
        ("九原区", 1, "200.0000", "1.0000", 1),
    ]
    assert figures(groups["category"])[0] == ("市政道路", 3, "16300.0000", "2200.0000", 13)
    assert [g.count for g in groups["level"].groups] == [1, 6]
    assert [(g.args or {}).get("level") for g in groups["level"].groups] == ["city", "district"]
    assert [g.count for g in groups["state"].groups] == [7]
    stage = groups["stage"].groups
    assert [(g.args or {}).get("stage") for g in stage] == ["construction", None]
    assert [(g.count, g.percent) for g in stage] == [(2, 63), (5, 0)]
    departments = {g.label: g for g in groups["department"].groups}
    assert departments["包头市发展和改革委员会"].percent == 63  # 2000 / 3200 = 62.5 → 63
    assert departments["东河区财政局"].count == 1


def test_groups_the_project_list_cannot_select_have_no_link(world):
    result = overview.investment_overview(world["users"]["finance1"], ProjectQuery())
    groups = by_key(result)
    assert groups["stage"].groups[-1].args is None  # lifecycle not started
    assert groups["department"].groups[-1].args is None  # no competent department
    assert groups["department"].groups[-1].count == 1


def test_the_overview_narrows_by_the_project_list_filters(world):
    query = ProjectQuery.from_args({"category": "市政道路"})
    result = overview.investment_overview(world["users"]["finance1"], query)
    assert (result.total.count, str(result.total.planned)) == (3, "16300.0000")
    regions = by_key(result)["region"].groups
    assert [(g.label, g.count) for g in regions] == [("市本级", 1), ("昆区", 2)]
    assert regions[1].args == {"category": "市政道路", "region_id": regions[1].args["region_id"]}


def test_a_district_user_sees_only_the_districts_projects(world):
    result = overview.investment_overview(world["users"]["finance1_150202"], ProjectQuery())
    assert (result.total.count, str(result.total.planned), result.total.percent) == (2, "9000.0000", 1)
    assert [(g.label, g.count) for g in by_key(result)["region"].groups] == [("东河区", 2)]


def test_every_number_on_the_overview_drills_down_to_as_many_projects(world, client, login):
    login("finance1")
    page = client.get("/reports/").get_data(as_text=True)
    assert "61,100.5000" in page and "2,301.0000" in page
    links = re.findall(r'href="([^"]+)" data-testid="drill(?:-total)?" data-count="(\d+)"', page)
    assert len(links) > 15
    for href, count in links:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        shown = re.search(r'data-testid="project-total">(\d+)<', listed)
        assert shown and shown.group(1) == count, href
    assert page.count('data-testid="no-drill"') == 2  # 未启动 and 未指定主管部门


def test_the_filtered_overview_drills_down_with_its_filters(world, client, login):
    login("finance1")
    page = client.get("/reports/?level=district").get_data(as_text=True)
    links = re.findall(r'href="([^"]+)" data-testid="drill(?:-total)?" data-count="(\d+)"', page)
    assert ("6" in {c for _h, c in links}) and all("level=district" in h for h, _c in links)
    for href, count in links:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert re.search(r'data-testid="project-total">(\d+)<', listed).group(1) == count  # type: ignore[union-attr]


def test_overview_of_a_unit_without_projects_says_so(world, client, login):
    from zerolegwork.demo import DEMO_PASSWORD
    from zerolegwork.extensions import db
    from zerolegwork.orgs import services as orgs
    from zerolegwork.orgs.models import OrgKind

    org = orgs.create_org("empty_unit", "达茂旗某单位", OrgKind.UNIT, orgs.ensure_regions()["达茂旗"])
    orgs.create_user("empty1", "空单位经办人", DEMO_PASSWORD, org)
    db.session.commit()
    login("empty1")
    page = client.get("/reports/").get_data(as_text=True)
    assert 'data-testid="overview-empty"' in page
    assert client.get("/reports/fixed/regional").status_code == 200


def test_the_navigation_links_to_reports(world, client, login):
    login("unit1")
    assert 'data-testid="nav-reports"' in client.get("/projects/").get_data(as_text=True)


def test_the_overview_is_one_statement_per_grouping(world):
    from sqlalchemy import event

    from zerolegwork.extensions import db

    user = world["users"]["finance1"]
    overview.investment_overview(user, ProjectQuery())  # warm the user's organisation
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        overview.investment_overview(user, ProjectQuery())
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 7  # the total and six groupings
