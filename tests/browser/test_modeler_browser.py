"""The web modeler in a real browser: an analyst adds a department to the joint sign-off's decision table,
saves the draft, validates it, sees the running matter it touches, deploys it with a note, runs the
migration, and the next sign-off goes to the new department too; a broken condition is marked on its
element and nothing is deployed. Screenshots in test-artifacts/browser/modeler-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import Session, shot, wait_for_diagram
from zerolegwork.demo import PROJECTS

pytestmark = pytest.mark.browser

DMN = "signoff_departments.dmn"
NEW_RULE = """      <rule id="economy_it_always">
        <description>工信部门参加每个项目的会签</description>
        <inputEntry id="economy_it_always_cat"><text></text></inputEntry>
        <inputEntry id="economy_it_always_inv"><text></text></inputEntry>
        <outputEntry id="economy_it_always_dept"><text>"economy_it"</text></outputEntry>
        <outputEntry id="economy_it_always_mode"><text>"verification"</text></outputEntry>
      </rule>
    </decisionTable>"""


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _submit_for_signoff(unit: Session, project_name: str) -> None:
    page = unit.page
    page.goto("/projects/")
    page.get_by_role("link", name=project_name, exact=True).click()
    project_id = int(page.url.rsplit("/", 1)[1])
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = page.request.post(f"/projects/{project_id}/submit", form={"csrf_token": str(token)})
    assert response.ok, f"submitting for joint sign-off answered {response.status}"


def _live_version(page: Any) -> int:
    page.goto("/processes/")
    live = page.get_by_test_id("process-joint_signoff").locator("[data-testid^='version-joint_signoff-']").first
    return int(str(live.get_attribute("data-testid")).rsplit("-", 1)[1])


def _open_modeler(page: Any) -> int:
    version = _live_version(page)
    page.goto(f"/processes/joint_signoff/v{version}")
    page.get_by_test_id("open-modeler").click()
    expect = _expect()
    expect(page).to_have_url(re.compile(rf"/processes/joint_signoff/v{version}/modeler$"))
    assert wait_for_diagram(page, "modeler-canvas") == "joint_signoff.bpmn"
    return version


def test_an_analyst_adds_a_department_deploys_migrates_and_the_next_sign_off_includes_it(
    session: Callable[..., Session],
):
    expect = _expect()
    first, later = PROJECTS[0][0], PROJECTS[2][0]
    unit = session("unit1")
    _submit_for_signoff(unit, first)
    page = session("analyst").page
    version = _open_modeler(page)
    page.get_by_test_id("modeler-panel").wait_for()
    expect(page.get_by_test_id("modeler-draft-links")).to_be_hidden()  # nothing saved yet
    shot(page, "modeler-desktop")

    page.get_by_test_id(f"file-{DMN}").click()
    text = page.get_by_test_id("modeler-text")
    expect(text).to_be_visible()
    original = text.input_value()
    assert original.count("    </decisionTable>") == 1
    text.fill(original.replace("    </decisionTable>", "    <decisionTable>", 1))
    expect(page.get_by_test_id("modeler-text-error")).to_contain_text("XML")
    text.fill(original.replace("    </decisionTable>", NEW_RULE, 1))
    expect(page.get_by_test_id("modeler-text-error")).to_have_text("")
    page.get_by_test_id("modeler-save").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("已保存为草稿")
    expect(page).to_have_url(re.compile(r"/processes/drafts/\d+$"))
    expect(page.get_by_test_id("modeler-draft-links")).to_be_visible()
    download = page.request.get(
        str(page.get_by_test_id("modeler-download").get_attribute("href")).replace("joint_signoff.bpmn", DMN)
    )
    assert download.ok and "economy_it_always" in download.text()
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

    _submit_for_signoff(unit, later)
    econ = session("econ1").page
    econ.goto("/")
    expect(econ.get_by_test_id("task-row").filter(has_text=later)).to_have_count(1)
    expect(econ.get_by_test_id("task-row").filter(has_text=first)).to_have_count(0)


def test_a_broken_condition_is_marked_on_its_element_and_nothing_is_deployed(session: Callable[..., Session]):
    expect = _expect()
    page = session("analyst").page
    version = _open_modeler(page)
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
    assert _live_version(page) == version
