"""Steps the web modeler's browser tests share: open the joint sign-off in the modeler, edit its decision
table in dmn-js, submit a project for the sign-off."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.support import Session, submit_for_signoff, wait_for_diagram  # noqa: F401 - re-exported

DMN = "signoff_departments.dmn"


def playwright_expect() -> Any:
    from playwright.sync_api import expect

    return expect


def live_version(page: Any, process_id: str = "joint_signoff") -> int:
    """The live version's number, as the process list shows it."""
    page.goto("/processes/")
    live = page.get_by_test_id(f"process-{process_id}").locator(f"[data-testid^='version-{process_id}-']").first
    return int(str(live.get_attribute("data-testid")).rsplit("-", 1)[1])


def open_modeler(page: Any) -> int:
    """Open the live joint sign-off in the modeler from its version page; returns the version opened."""
    version = live_version(page)
    page.goto(f"/processes/joint_signoff/v{version}")
    page.get_by_test_id("open-modeler").click()
    playwright_expect()(page).to_have_url(re.compile(rf"/processes/joint_signoff/v{version}/modeler$"))
    assert wait_for_diagram(page, "modeler-canvas") == "joint_signoff.bpmn"
    return version


def open_dmn(page: Any, name: str = DMN) -> Any:
    """Open the decision table's tab and wait for dmn-js to show it; returns the editor's box."""
    page.get_by_test_id(f"file-{name}").click()
    box = page.get_by_test_id("modeler-dmn")
    page.wait_for_selector(f'[data-testid="modeler-dmn"][data-ready="{name}"]', state="attached", timeout=20_000)
    playwright_expect()(box.locator(".tjs-table")).to_be_visible()
    return box


def type_in_cell(page: Any, cell: Any, text: str) -> None:
    """Click a dmn-js cell and type at the end of what it holds."""
    cell.click()  # an empty cell's editable has no size of its own: click the cell, then focus its editable
    cell.locator(".content-editable").focus()
    page.keyboard.press("End")
    page.keyboard.type(text)


def delete_in_cell(page: Any, cell: Any, count: int) -> None:
    """Click a dmn-js cell and delete its last `count` characters."""
    cell.locator(".content-editable").click()
    page.keyboard.press("End")
    for _ in range(count):
        page.keyboard.press("Backspace")


def add_dmn_rule(page: Any, cells: dict[str, str], annotation: str = "") -> str:
    """Add a rule with dmn-js's 添加规则 button and fill the named columns; returns the new rule's id."""
    box = page.get_by_test_id("modeler-dmn")
    before = box.locator("tbody tr").count()
    box.get_by_title("添加规则", exact=True).click()
    playwright_expect()(box.locator("tbody tr")).to_have_count(before + 1)
    row = box.locator("tbody tr").last
    rule_id = str(row.locator("td[data-row-id]").first.get_attribute("data-row-id"))
    for col, text in cells.items():
        type_in_cell(page, row.locator(f'td[data-col-id="{col}"]'), text)
    if annotation:
        type_in_cell(page, row.locator("td.annotation"), annotation)
    return rule_id
