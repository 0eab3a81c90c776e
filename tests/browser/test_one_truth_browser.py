"""One truth per figure in a real browser (issue 12 item 2), at desktop and phone width.

unit1 registers a project with its classifications and 计划投资, starts its life and opens 登记项目信息:
every registered value is already there (nothing typed twice). It changes 投资政策 and submits; ndrc1's
确认项目信息 page shows that change as 国有资本 → 一般公共预算 and nothing else as changed.
Screenshots: test-artifacts/browser/one-truth-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, Session, open_inbox_task, scroll_width, shot, submit_task

pytestmark = pytest.mark.browser

DEVICES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
REGISTERED = {
    "investment_policy": "国有资本",
    "industry_type": "水利",
    "category": "农林水利",
    "construction_mode": "扩建",
    "investment_mode": "投资补助",
    "management_status": "前期",
}


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _register_and_start(unit: Session, name: str) -> None:
    expect = _expect()
    page = unit.page
    page.goto("/projects/new")
    page.locator("#f-name").fill(name)
    page.locator("#f-region_id").select_option(label="市本级")
    page.locator("#f-competent_department_id").select_option(label="包头市发展和改革委员会")
    for field, value in REGISTERED.items():
        page.locator(f"#f-{field}").select_option(value)
    page.locator("#f-planned_investment").fill("3600.5")
    page.locator("#f-start_year").fill("2026")
    page.locator("#f-end_year").fill("2028")
    page.get_by_test_id("save-project").click()
    expect(page).to_have_url(re.compile(re.escape(unit.base) + r"/projects/\d+/functions$"))
    project_id = int(page.url.rsplit("/", 2)[1])
    page.get_by_test_id("save-functions").click()
    expect(page).to_have_url(f"{unit.base}/projects/{project_id}")
    page.get_by_test_id("start-lifecycle").click()
    expect(page.locator(".alert-success")).to_contain_text("已启动")


@pytest.mark.parametrize("device", DEVICES)
def test_the_information_form_starts_from_registration_and_the_reviewer_sees_the_change(
    device: dict[str, Any], session: Callable[..., Session]
) -> None:
    expect = _expect()
    tag = "phone" if device is PHONE else "desktop"
    name = f"昆都仑河水系连通工程（{'手机' if device is PHONE else '电脑'}）"
    unit = session("unit1", **device)
    page = unit.page
    _register_and_start(unit, name)

    open_inbox_task(unit, name, "登记项目信息")
    for field, value in REGISTERED.items():
        expect(page.locator(f'input[name="{field}"][value="{value}"]')).to_be_checked()
    expect(page.locator("#f-planned_investment")).to_have_value("3600.5000")
    expect(page.locator("#f-start_year")).to_have_value("2026")
    expect(page.locator("#f-end_year")).to_have_value("2028")
    if device is PHONE:
        assert scroll_width(page) <= 376
    shot(page, f"one-truth-{tag}-01-prefilled")
    page.locator('input[name="investment_policy"][value="一般公共预算"]').check()
    page.locator("#f-description").fill("昆都仑河与黄河支流水系连通。")
    submit_task(unit, name, "登记项目信息")

    ndrc = session("ndrc1", **device)
    open_inbox_task(ndrc, name, "确认项目信息", heading="主管部门确认")
    changes = ndrc.page.get_by_test_id("record-change")
    expect(changes).to_have_count(1)
    expect(changes).to_contain_text("投资政策")
    expect(changes.locator("del")).to_have_text("国有资本")
    expect(changes).to_contain_text("一般公共预算")
    if device is PHONE:
        assert scroll_width(ndrc.page) <= 376
    shot(ndrc.page, f"one-truth-{tag}-02-reviewer-sees-the-change")
