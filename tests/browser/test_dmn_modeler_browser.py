"""The joint sign-off's decision table in the modeler's dmn-js editor, in a real browser: an analyst adds a
rule (a new category for the 工信 department) with dmn-js's 添加规则, saves the draft, validates it, sees the
matter it touches, deploys it with a note, and the deployed version's .dmn holds the rule; a cell edited into
a broken expression is listed with its table and rule, marked on the row, and nothing is deployed; a .dmn
dmn-js cannot read opens as text; rules, inputs and outputs are added and removed from dmn-js's Chinese
buttons and menus. No CSP violation and no console error on any page. Screenshots in
test-artifacts/browser/dmn-modeler-*.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.modeler_support import (
    DMN,
    add_dmn_rule,
    delete_in_cell,
    live_version,
    open_dmn,
    open_modeler,
    playwright_expect,
    submit_for_signoff,
)
from tests.browser.support import DESKTOP, Session, shot
from zerolegwork.demo import PROJECTS

pytestmark = pytest.mark.browser

# Every CSP violation of every page of the context, reported to Python (init scripts are exempt from the CSP).
WATCH_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__zlwViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _analyst(session: Callable[..., Session]) -> tuple[Session, list[str]]:
    """The analyst's desktop session, its CSP violations watched."""
    analyst = session("analyst", **DESKTOP)
    violations: list[str] = []
    analyst.context.expose_binding("__zlwViolation", lambda _source, text: violations.append(text))
    analyst.context.add_init_script(WATCH_VIOLATIONS)
    return analyst, violations


def _clean(analyst: Session, violations: list[str]) -> None:
    assert not violations, f"CSP violations: {violations}"
    assert not analyst.console_errors, f"console errors or failed responses: {analyst.console_errors}"


def test_an_analyst_adds_a_rule_in_dmn_js_deploys_it_and_the_new_version_holds_it(session: Callable[..., Session]):
    expect = playwright_expect()
    first = PROJECTS[0][0]
    submit_for_signoff(session("unit1"), first)
    analyst, violations = _analyst(session)
    page = analyst.page
    version = open_modeler(page)
    box = open_dmn(page)
    expect(page.get_by_test_id("modeler-text")).to_be_hidden()
    # dmn-js speaks Chinese: the hit policy, the column groups, the add-rule button
    expect(box.locator(".hit-policy")).to_contain_text("命中策略")
    expect(box.locator(".hit-policy select, .hit-policy .dms-input-select").first).to_contain_text("汇集")
    expect(box.locator("thead")).to_contain_text("条件")
    expect(box.locator("thead")).to_contain_text("结果")
    expect(box.get_by_title("添加规则", exact=True)).to_have_count(1)
    expect(box.locator(".view-drd")).to_be_hidden()  # the file has no DRD layout to show

    rule_id = add_dmn_rule(
        page,
        {"in_category": '"智慧城市"', "out_department": '"economy_it"', "out_mode": '"verification"'},
        "智慧城市类由工信部门核准",
    )
    expect(page.get_by_test_id("modeler-status")).to_contain_text("尚未保存")
    page.get_by_test_id("modeler-save").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("已保存为草稿")
    expect(page).to_have_url(re.compile(r"/processes/drafts/\d+$"))
    shot(page, "dmn-modeler-rule-added-desktop")
    page.get_by_test_id("modeler-validate").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("未发现问题")
    expect(page.get_by_test_id("modeler-dmn-problems")).to_be_hidden()
    page.get_by_test_id("modeler-check").click()

    expect(page.get_by_test_id("changes")).to_contain_text("signoff_departments")
    expect(page.get_by_test_id("impact")).to_contain_text(first)
    page.locator("#d-note").fill("智慧城市类项目由工信部门核准")
    page.get_by_test_id("deploy").click()
    expect(page).to_have_url(re.compile(rf"/processes/joint_signoff/v{version + 1}$"))
    expect(page.locator(".alert-success")).to_contain_text("已部署")

    deployed = page.request.get(f"/processes/joint_signoff/v{version + 1}/files/{DMN}")
    assert deployed.ok, f"the deployed version's {DMN} answered {deployed.status}"
    xml = deployed.text()
    rule = xml[xml.index(f'<rule id="{rule_id}">') : xml.index("</rule>", xml.index(f'<rule id="{rule_id}">'))]
    for text in ('"智慧城市"', '"economy_it"', '"verification"', "智慧城市类由工信部门核准"):
        assert text in rule, f"{text} is not in the deployed rule:\n{rule}"
    assert "https://www.omg.org/spec/DMN/20191111/MODEL/" in xml
    _clean(analyst, violations)


def test_a_broken_cell_is_listed_and_marked_on_its_rule_and_nothing_is_deployed(session: Callable[..., Session]):
    expect = playwright_expect()
    analyst, violations = _analyst(session)
    page = analyst.page
    version = open_modeler(page)
    box = open_dmn(page)
    cell = box.locator('td[data-row-id="ndrc_large"][data-col-id="in_investment"]')
    expect(cell.locator(".content-editable")).to_have_text('>= Decimal("1000")')
    delete_in_cell(page, cell, 1)  # the closing parenthesis
    expect(cell.locator(".content-editable")).to_have_text('>= Decimal("1000"')
    page.get_by_test_id("modeler-validate").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("个问题")
    expect(page.get_by_test_id("modeler-check")).to_be_hidden()
    listed = page.get_by_test_id("modeler-dmn-problems")
    expect(listed).to_be_visible()
    expect(listed).to_contain_text("决策表 会签部门与审批方式（signoff_departments_table）")
    expect(listed).to_contain_text("第 2 条规则（ndrc_large）")
    expect(listed).to_contain_text("1000 万元及以上由发改部门审批")
    assert "ndrc_large" in str(box.get_attribute("data-problems")).split()
    marked = cell.evaluate("td => getComputedStyle(td).backgroundColor")
    assert marked == "rgb(248, 215, 218)", f"the broken rule's cell is not marked: {marked}"
    shot(page, "dmn-modeler-problem-desktop")

    draft_url = page.url
    assert live_version(page) == version
    page.goto(draft_url)
    assert page.get_by_test_id("modeler-check").is_hidden()
    _clean(analyst, violations)


def test_a_dmn_file_dmn_js_cannot_read_opens_as_text(session: Callable[..., Session]):
    expect = playwright_expect()
    analyst, violations = _analyst(session)
    page = analyst.page
    version = open_modeler(page)
    data: dict[str, Any] = json.loads(str(page.locator("#modeler-data").text_content()))
    broken = '<?xml version="1.0" encoding="UTF-8"?>\n<table id="not_dmn"><row>工信</row></table>\n'
    saved = page.request.post(
        data["save_url"],
        data=json.dumps({"draft_id": None, "files": {DMN: broken}}),
        headers={"Content-Type": "application/json", "X-CSRFToken": data["csrf"]},
    )
    assert saved.ok, f"saving the draft answered {saved.status}: {saved.text()}"
    page.goto(saved.json()["url"])
    page.get_by_test_id(f"file-{DMN}").click()
    page.wait_for_selector('[data-testid="modeler-dmn"][data-ready="error"]', state="attached")
    text = page.get_by_test_id("modeler-text")
    expect(text).to_be_visible()
    expect(text).to_have_value(broken)
    expect(page.get_by_test_id("modeler-text-error")).to_contain_text("决策表编辑器无法打开此文件")
    expect(page.get_by_test_id("modeler-dmn")).to_be_hidden()
    assert live_version(page) == version
    _clean(analyst, violations)


def test_rules_inputs_and_outputs_are_added_and_removed_from_the_chinese_menus(session: Callable[..., Session]):
    expect = playwright_expect()
    analyst, violations = _analyst(session)
    page = analyst.page
    open_modeler(page)
    box = open_dmn(page)
    rows, inputs = box.locator("tbody tr"), box.locator("thead th.input-cell")
    outputs = box.locator("thead th.output-cell")
    expect(inputs).to_have_count(2)
    expect(outputs).to_have_count(2)
    count = rows.count()  # the first test of the module deployed one more

    rule_id = add_dmn_rule(page, {"out_department": '"finance"'})
    box.locator(f'td[data-row-id="{rule_id}"][data-col-id="out_mode"]').click(button="right")
    expect(box.locator(".context-menu")).to_contain_text("在上方添加规则")
    box.locator(".context-menu").get_by_text("删除规则", exact=True).click()
    expect(rows).to_have_count(count)

    box.locator(".add-input").click()
    expect(inputs).to_have_count(3)
    page.keyboard.press("Escape")
    box.locator(".add-output").click()
    expect(outputs).to_have_count(3)
    page.keyboard.press("Escape")
    page.get_by_test_id("modeler-save").click()
    expect(page.get_by_test_id("modeler-status")).to_contain_text("已保存为草稿")
    saved = page.request.get(
        str(page.get_by_test_id("modeler-download").get_attribute("href")).replace("joint_signoff.bpmn", DMN)
    ).text()
    assert (saved.count("<input "), saved.count("<output "), saved.count("<rule ")) == (3, 3, count)

    inputs.last.click(button="right")
    expect(box.locator(".context-menu")).to_contain_text("删除输入列")
    box.locator(".context-menu").get_by_text("删除输入列", exact=True).click()
    expect(inputs).to_have_count(2)
    _clean(analyst, violations)
