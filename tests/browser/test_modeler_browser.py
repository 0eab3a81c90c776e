"""The web modeler in a real browser: an analyst adds a department to the joint sign-off's decision table,
saves the draft, validates it, sees the running matter it touches, deploys it with a note, runs the
migration, and the next sign-off goes to the new department too; a broken condition is marked on its
element and nothing is deployed. Screenshots in test-artifacts/browser/modeler-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.browser.modeler_support import (
    DMN,
    add_dmn_rule,
    live_version,
    open_dmn,
    open_modeler,
    playwright_expect,
    submit_for_signoff,
)
from tests.browser.support import Session, shot
from zerolegwork.demo import PROJECTS

pytestmark = pytest.mark.browser


def test_an_analyst_adds_a_department_deploys_migrates_and_the_next_sign_off_includes_it(
    session: Callable[..., Session],
):
    expect = playwright_expect()
    first, later = PROJECTS[0][0], PROJECTS[2][0]
    unit = session("unit1")
    submit_for_signoff(unit, first)
    page = session("analyst").page
    version = open_modeler(page)
    page.get_by_test_id("modeler-panel").wait_for()
    expect(page.get_by_test_id("modeler-draft-links")).to_be_hidden()  # nothing saved yet
    shot(page, "modeler-desktop")

    open_dmn(page)
    add_dmn_rule(page, {"out_department": '"economy_it"', "out_mode": '"verification"'}, "工信部门参加每个项目的会签")
    page.get_by_test_id("modeler-save").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("已保存为草稿")
    expect(page).to_have_url(re.compile(r"/processes/drafts/\d+$"))
    expect(page.get_by_test_id("modeler-draft-links")).to_be_visible()
    download = page.request.get(
        str(page.get_by_test_id("modeler-download").get_attribute("href")).replace("joint_signoff.bpmn", DMN)
    )
    assert download.ok and download.text().count('"economy_it"') == 2
    page.get_by_test_id("modeler-validate").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("未发现问题")
    page.get_by_test_id("modeler-check").click()

    expect(page.get_by_test_id("changes")).to_contain_text("signoff_departments")
    expect(page.get_by_test_id("impact")).to_contain_text(first)
    shot(page, "modeler-impact-desktop")
    page.locator("#d-note").fill("工信部门参加每个项目的会签")
    page.get_by_test_id("deploy").click()
    expect(page).to_have_url(re.compile(rf"/processes/joint_signoff/v{version + 1}$"))
    expect(page.locator(".alert-success")).to_contain_text("已部署")

    page.locator("#dry-run").uncheck()
    page.get_by_test_id("migrate").click()
    expect(page).to_have_url(re.compile(r"/processes/migrations/\d+$"))
    # the waiting matter has passed the changed decision: it stays on its version, and says why
    expect(page.locator("main")).to_contain_text(first)
    shot(page, "modeler-migrated-desktop")

    submit_for_signoff(unit, later)
    econ = session("econ1").page
    econ.goto("/")
    expect(econ.get_by_test_id("task-row").filter(has_text=later)).to_have_count(1)
    expect(econ.get_by_test_id("task-row").filter(has_text=first)).to_have_count(0)


def test_a_broken_condition_is_marked_on_its_element_and_nothing_is_deployed(session: Callable[..., Session]):
    expect = playwright_expect()
    page = session("analyst").page
    version = open_modeler(page)
    page.locator('[data-element-id="flow_some_rejected"]').first.click(force=True)
    condition = page.get_by_test_id("modeler-panel").get_by_label("条件")
    expect(condition).to_have_value(re.compile("rejected"))
    condition.fill("len(rejected > 0")
    condition.press("Enter")
    condition.blur()
    page.get_by_test_id("modeler-validate").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("个问题")
    expect(page.get_by_test_id("modeler-problems")).to_be_visible()
    expect(page.get_by_test_id("modeler-check")).to_be_hidden()
    marked = str(page.get_by_test_id("modeler-canvas").get_attribute("data-problems"))
    assert marked.strip(), "no element of the diagram is marked"
    expect(page.locator(f'.djs-element.zlw-problem[data-element-id="{marked.split()[0]}"]')).to_have_count(1)
    shot(page, "modeler-problem-desktop")
    assert live_version(page) == version
