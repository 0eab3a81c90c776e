"""The product's looks in Chromium: the home page's dashboard per role, empty and drawn progress charts, the
lifecycle diagram fitted to the width (readable on a phone by scrolling sideways), at 1280 and 390 px.

`make run`'s server with the demo and its showcase (zerolegwork/showcase.py). Screenshots:
test-artifacts/browser/looks-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, DESKTOP, PHONE, shot, wait_for_diagram

pytestmark = pytest.mark.browser

PHONE_390: dict[str, Any] = {**PHONE, "viewport": {"width": 390, "height": 844}}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE_390}
ROLES = {"unit1": "unit", "finance1": "department", "admin": "overview"}
# the showcase's 市本级 project in 东河区, under construction with three progress reports and photos
DRAWN = "包头市黄河湿地生态修复工程（示范）"
EMPTY = "包头市昆区友谊大街道路改造工程"  # a base demo project: nothing reported yet

FITS = "() => document.scrollingElement.scrollWidth <= window.innerWidth + 1"


def open_project(page: Any, name: str) -> None:
    page.goto("/projects/?q=" + name)
    page.get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_url("**/projects/*")


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("username", list(ROLES))
def test_the_home_page_opens_with_the_roles_dashboard(session, username: str, width: str):
    s = session(username, **WIDTHS[width])
    page = s.page
    page.goto("/")
    board = page.get_by_test_id("dashboard")
    expect(board).to_have_attribute("data-role", ROLES[username])
    expect(board.get_by_test_id("tile-due-soon")).to_contain_text("我的即将到期任务")
    if ROLES[username] != "unit":
        expect(board.get_by_test_id("tile-overdue")).to_contain_text("我的超期任务")
    if ROLES[username] == "overview":
        expect(board.get_by_test_id("tile-incidents")).to_be_visible()
        expect(board.get_by_test_id("tile-overdue-everywhere")).not_to_contain_text("0")  # the showcase's late task
    # the demo and its showcase: projects at several stages, each a link into the filtered library
    expect(board.locator('[data-testid^="stage-"]').first).to_be_visible()
    assert board.locator('[data-testid^="stage-"]').count() >= (3 if username == "unit1" else 1)
    expect(board.locator("svg.zlw-icon").first).to_be_visible()
    assert page.evaluate(FITS), "the page scrolls sideways"
    shot(page, f"looks-dashboard-{username}-{width}")
    assert not s.problems, s.problems


@pytest.mark.parametrize("width", list(WIDTHS))
def test_charts_without_reports_say_so_in_chinese(session, width: str):
    s = session("unit1", **WIDTHS[width])
    page = s.page
    open_project(page, EMPTY)
    charts = page.locator('[data-testid="project-charts"][data-ready="0"]')
    expect(charts).to_be_attached(timeout=15_000)
    expect(charts.locator('[data-chart="investment"][data-empty]')).to_have_text("暂无投资完成数据，填报进度后显示。")
    expect(charts.locator('[data-chart="funds"][data-empty]')).to_be_visible()
    expect(charts.locator('[data-chart="percent"][data-empty]')).to_be_visible()
    expect(charts.locator('[data-chart="photos"][data-empty]')).to_contain_text("暂无现场照片")
    expect(charts.locator("canvas")).to_have_count(0)  # no empty axes drawn
    charts.scroll_into_view_if_needed()
    shot(page, f"looks-charts-empty-{width}")
    assert not s.problems, s.problems


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_project_under_way_draws_its_charts_photos_and_a_readable_diagram(session, width: str):
    s = session("unit1", **WIDTHS[width])
    page = s.page
    open_project(page, DRAWN)
    charts = page.locator('[data-testid="project-charts"][data-ready="3"]')
    expect(charts).to_be_attached(timeout=15_000)
    expect(charts.locator('[data-chart="investment"] canvas').first).to_be_visible()
    expect(charts.locator('[data-chart="investment"][data-empty]')).to_have_count(0)
    expect(charts.locator('[data-chart="photos"] img')).to_have_count(3)
    wait_for_diagram(page, "lifecycle-diagram")
    box = page.get_by_test_id("lifecycle-diagram")
    scale = float(box.get_attribute("data-scale") or 0)
    assert scale >= 0.75, scale  # labels never shrink below three quarters of their size
    frame = page.get_by_test_id("lifecycle-diagram-frame")
    sideways = frame.evaluate("f => f.scrollWidth > f.clientWidth + 1")
    if width == "phone":
        assert sideways, "a phone gets the diagram at a readable size in a frame that scrolls sideways"
    assert page.evaluate(FITS), "only the diagram's frame scrolls sideways, not the page"
    frame.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    frame.screenshot(path=str(ARTIFACTS / f"looks-diagram-{width}.png"))
    shot(page, f"looks-project-{width}")
    assert not s.problems, s.problems
