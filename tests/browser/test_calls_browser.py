"""Calls for projects in Chromium: a department opens and publishes a call, a unit applies from a phone and withdraws.

`make run`'s server with the demo and its showcase, whose open call (calls/demo.py) holds three of the
demo unit's applications, one withdrawn. Screenshots: test-artifacts/browser/calls-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import DESKTOP, PHONE, shot
from tests.files import samples
from zerolegwork.calls.demo import TITLE

pytestmark = pytest.mark.browser

PHONE_390: dict[str, Any] = {**PHONE, "viewport": {"width": 390, "height": 844}}
FITS = "() => document.scrollingElement.scrollWidth <= window.innerWidth + 1"


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_unit_applies_from_a_phone_and_withdraws_with_a_confirmation(session, tmp_path):
    s = session("unit1", **PHONE_390)
    page = s.page
    page.goto("/calls/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("call-window")).to_contain_text("个工作日")
    expect(page.get_by_test_id("application-row")).to_have_count(3)
    assert page.evaluate(FITS), "the call's page scrolls sideways on a phone"
    shot(page, "calls-detail-unit-phone")
    page.get_by_test_id("apply").click()
    choice = page.get_by_test_id("project-choice")
    # the two applied projects are not offered again (the withdrawn one is)
    assert choice.locator("option[disabled]").count() == 2
    value = choice.locator('option[value]:not([disabled]):not([value=""])').first.get_attribute("value")
    choice.select_option(value)
    first = tmp_path / "申报书.pdf"
    first.write_bytes(samples.PDF)
    second = tmp_path / "可研.pdf"
    second.write_bytes(samples.OTHER_PDF)
    page.locator('input[name="file_s1"]').set_input_files(str(first))
    page.locator('input[name="file_s2"]').set_input_files(str(second))
    assert page.evaluate(FITS), "the application form scrolls sideways on a phone"
    shot(page, "calls-apply-unit-phone")
    page.get_by_test_id("submit-application").click()
    expect(page.locator(".alert-success")).to_contain_text("已申报")
    expect(page.get_by_test_id("application-row")).to_have_count(4)
    page.get_by_test_id("withdraw").first.click()
    expect(page.locator(".alert-success")).to_contain_text("申报已撤回")
    assert any("撤回" in d for d in s.dialogs), s.dialogs


def test_a_department_opens_and_publishes_a_call_after_a_confirmation(session):
    s = session("finance1", **DESKTOP)
    page = s.page
    page.goto("/calls/")
    page.get_by_test_id("new-call").click()
    opens = _weekday(date.today() + timedelta(days=1))
    closes = _weekday(opens + timedelta(days=14))
    page.locator("#c-title").fill("浏览器测试征集")
    page.locator("#c-opens_on").fill(opens.isoformat())
    page.locator("#c-closes_on").fill(closes.isoformat())
    page.locator("#c-funding_source").select_option("central")
    shot(page, "calls-form-department")
    page.get_by_test_id("save-call").click()
    if page.get_by_test_id("form-errors").count():  # a public holiday in the way: the page says so in Chinese
        expect(page.locator(".invalid-feedback").first).to_contain_text("不是法定工作日")
        return
    expect(page.get_by_test_id("call-window")).to_contain_text("个工作日")
    page.get_by_test_id("publish-call").click()
    expect(page.locator(".alert-success")).to_contain_text("已发布")
    assert any("发布本次征集" in d for d in s.dialogs), s.dialogs
    page.goto("/calls/?q=" + TITLE)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("application-row").first).to_be_visible()  # the unit's, every one
    assert page.get_by_test_id("application-row").count() >= 3
    shot(page, "calls-detail-department")
