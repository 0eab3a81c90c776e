"""Evidence uploads in place (issue 12, no lost input): the page never leaves, a progress bar runs, a
refused file says why, an upload that did not get through offers a retry, and a version can be removed
(withdrawn) in place.

unit1 opens its first demo project's page and works the first slot it may add to.
Screenshots land in test-artifacts/browser/upload-*.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, Session, shot
from tests.files.samples import image

pytestmark = pytest.mark.browser


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_an_upload_stays_on_the_page_retries_after_a_lost_connection_and_can_be_removed(
    session: Callable[..., Session], tmp_path: Path
) -> None:
    expect = _expect()
    unit = session("unit1", **DESKTOP)
    page = unit.page
    page.goto("/projects")
    page.get_by_test_id("project-row").first.get_by_role("link").click()
    project_url = page.url
    form = page.locator("form[data-inplace][data-testid^='upload-']").first
    expect(form).to_be_visible()
    slot_form = form.get_attribute("data-testid")
    slot = page.get_by_test_id("slot-" + slot_form.removeprefix("upload-"))
    before = slot.get_by_test_id("attachment").count()
    status = page.get_by_test_id(slot_form).locator("[data-upload-message]")

    # a refused file: the reason in red, nothing added, still on the page
    bad = tmp_path / "脚本.exe"
    bad.write_bytes(b"MZ\x90\x00 not evidence")
    form.locator('input[type="file"][name="file"]').first.set_input_files(bad)
    form.get_by_role("button", name="上传").click()
    expect(status).to_have_class("text-danger")
    expect(status).not_to_have_text("")
    expect(page.get_by_test_id(slot_form).locator("[data-upload-retry]")).to_be_hidden()
    assert page.url == project_url
    expect(slot.get_by_test_id("attachment")).to_have_count(before)

    # the connection drops: the message and a retry; once it is back, the retry uploads the same file
    picture = tmp_path / "现场.png"  # the first slot is 现场照片: pictures only
    picture.write_bytes(image("PNG"))
    page.route("**/files/projects/*/upload", lambda route: route.abort())
    form.locator('input[type="file"][name="file"]').first.set_input_files(picture)
    form.get_by_role("button", name="上传").click()
    retry = page.get_by_test_id(slot_form).locator("[data-upload-retry]")
    expect(retry).to_be_visible()
    expect(status).to_contain_text("上传没有成功")
    shot(page, "upload-01-retry")
    page.unroute("**/files/projects/*/upload")
    retry.click()
    expect(status).to_have_text("已上传。")
    expect(slot.get_by_test_id("attachment")).to_have_count(before + 1)
    expect(slot.get_by_test_id("attachment").first).to_contain_text(picture.name)
    assert page.url == project_url
    shot(page, "upload-02-uploaded")

    # remove the version just added: asked first, withdrawn in place, kept on record marked as withdrawn
    newest = slot.get_by_test_id("attachment").first
    newest.get_by_role("button", name="撤回").click()
    expect(slot.get_by_test_id("attachment").first.get_by_test_id("withdrawn")).to_be_visible()
    assert any("撤回" in d for d in unit.dialogs), unit.dialogs
    assert page.url == project_url
    shot(page, "upload-03-withdrawn")
