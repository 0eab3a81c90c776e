"""流程管理 in a real browser: an analyst finds where matters wait, checks a draft, sees what it changes and
which running matter it touches on both diagrams, deploys it with a change note; a broken draft shows the
element at fault and deploys nothing.

A demo project of unit1 is put into joint sign-off first (through the project's submit route with the
unit's session, as the joint-approval browser test does), so one matter waits at 部门审查.
Desktop and phone width; screenshots in test-artifacts/browser/processes-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DESKTOP, PHONE, Session, scroll_width, shot, submit_for_signoff, wait_for_diagram
from zerolegwork.demo import PROJECTS

pytestmark = pytest.mark.browser

FILE = "joint_signoff.bpmn"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _draft(tmp_path: Path, text: str) -> str:
    path = tmp_path / FILE
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("device", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")])
def test_an_analyst_checks_a_draft_sees_the_touched_matter_and_deploys_it(
    session: Callable[..., Session], tmp_path: Path, device: dict[str, Any]
):
    expect = _expect()
    phone = device is PHONE
    project = PROJECTS[0][0] if not phone else PROJECTS[2][0]
    submit_for_signoff(session("unit1"), project)
    analyst = session("analyst", **device)
    page = analyst.page
    name = "phone" if phone else "desktop"

    page.goto("/processes/")
    card = page.get_by_test_id("process-joint_signoff")
    expect(card).to_be_visible()
    live = card.locator("[data-testid^='version-joint_signoff-']").first
    version = int(str(live.get_attribute("data-testid")).rsplit("-", 1)[1])
    shot(page, f"processes-catalog-{name}")
    if phone:
        assert scroll_width(page) <= 376, "the catalog scrolls sideways at 375 px"

    page.goto(f"/processes/joint_signoff/v{version}")
    ready = wait_for_diagram(page, "heat")
    assert ready.strip(), "no step of the heat map shows a waiting matter"
    expect(page.get_by_test_id("waiting-tasks")).to_contain_text(project)
    shot(page, f"processes-heat-{name}")

    download = page.request.get(f"/processes/joint_signoff/v{version}/files/{FILE}")
    assert download.ok and "attachment" in download.headers["content-disposition"]
    original = download.text()
    # the run before (desktop) may have renamed the review already: rename it back and forth
    old, new = ("部门审查", "部门联合审查") if 'name="部门审查"' in original else ("部门联合审查", "部门审查")
    assert original.count(f'name="{old}"') == 1
    page.goto("/processes/joint_signoff/draft")
    page.locator("#d-files").set_input_files(
        _draft(tmp_path, original.replace("len(rejected) &gt; 0", "len(rejected &gt; 0", 1))
    )
    page.get_by_role("button", name="检查草稿").click()
    expect(page.get_by_test_id("draft-problems")).to_be_visible()
    expect(page.get_by_test_id("deploy-form")).to_have_count(0)
    shot(page, f"processes-broken-{name}")

    page.goto("/processes/joint_signoff/draft")
    page.locator("#d-files").set_input_files(_draft(tmp_path, original.replace(f'name="{old}"', f'name="{new}"')))
    page.get_by_role("button", name="检查草稿").click()
    expect(page.get_by_test_id("changes")).to_contain_text(new)
    expect(page.get_by_test_id("impact")).to_contain_text(project)
    assert wait_for_diagram(page, "pane-old-1").strip() and wait_for_diagram(page, "pane-new-1").strip()
    shot(page, f"processes-draft-{name}")
    if phone:
        assert scroll_width(page) <= 376, "the draft page scrolls sideways at 375 px"

    note = f"{old}改名为{new}"
    page.locator("#d-note").fill(note)
    page.get_by_test_id("deploy").click()
    assert any("部署为新版本" in d or "新版本" in d for d in analyst.dialogs), analyst.dialogs
    expect(page).to_have_url(re.compile(rf"/processes/joint_signoff/v{version + 1}$"))
    expect(page.locator(".alert-success")).to_contain_text("已部署")
    page.goto("/processes/")
    expect(page.get_by_test_id(f"version-joint_signoff-{version + 1}")).to_contain_text(note)
    expect(page.get_by_test_id(f"version-joint_signoff-{version + 1}")).to_contain_text("流程分析员")
