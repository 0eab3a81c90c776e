"""A project's life in a real browser, as the issue accepts it.

"A unit registers a road project, chooses its functions, fills information and investment with
evidence, submits; the departments approve; the project page shows the lifecycle advanced."

unit1 registers a 市政道路 project (competent department 包头市发展和改革委员会, user ndrc1) on the
project pages, ticks its functions, starts its processes, fills 登记项目信息 in the inbox; ndrc1
confirms it; unit1 uploads the investment basis (a PDF) on the 登记投资计划 task page and fills the plan;
ndrc1 confirms; the four departments of a 市政道路 project of 12800 万元 (bpmn/signoff_departments.dmn:
finance, ndrc, environment, housing, all 审批) approve from their inboxes. The project page then shows
项目信息 and 项目投资 done, 项目手续 in progress, the lifecycle diagram drawn and the PDF in the evidence.

Run once at desktop width and once at 375 px (phone), each on its own project, against one
`flask zlw serve` with a fresh database. Screenshots land in test-artifacts/browser/life-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import (
    DESKTOP,
    PHONE,
    Session,
    open_inbox_task,
    scroll_width,
    shot,
    submit_task,
    wait_for_diagram,
)
from tests.engine.lifecycle_support import CONFIRM, investment_plan
from tests.files.samples import PDF

pytestmark = pytest.mark.browser

DEVICES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
COMPETENT = "包头市发展和改革委员会"  # org code ndrc; ndrc1 handles its tasks
# a 市政道路 project of 12800 万元 is signed off by these four, each by 审批 (signoff_departments.dmn)
SIGNOFF_USERS = ["finance1", "ndrc1", "env1", "housing1"]
PLANNED = "12800"
INFORMATION = {
    "investment_policy": "一般公共预算",
    "industry_type": "交通运输",
    "category": "市政道路",
    "construction_mode": "改建",
    "investment_mode": "直接投资",
    "management_status": "前期",
}


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _fits(page: Any, where: str, phone: bool) -> None:
    if phone:
        width = scroll_width(page)
        assert width <= 376, f"{where}: the page scrolls sideways at 375 px (scrollWidth {width})"


def _register(unit: Session, name: str, phone: bool) -> int:
    expect = _expect()
    page = unit.page
    page.goto("/projects/")
    page.get_by_test_id("register-project").click()
    expect(page).to_have_url(unit.base + "/projects/new")
    expect(page.locator("main h1")).to_have_text("登记项目")
    page.locator("#f-name").fill(name)
    page.locator("#f-region_id").select_option(label="市本级")
    page.locator("#f-competent_department_id").select_option(label=COMPETENT)
    for field, value in INFORMATION.items():
        page.locator(f"#f-{field}").select_option(value)
    page.locator("#f-planned_investment").fill(PLANNED)
    page.locator("#f-start_year").fill("2026")
    page.locator("#f-end_year").fill("2027")
    _fits(page, "registration form", phone)
    page.get_by_test_id("save-project").click()
    expect(page).to_have_url(re.compile(re.escape(unit.base) + r"/projects/\d+/functions$"))
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    project_id = int(page.url.rsplit("/", 2)[1])
    expect(page.locator(".alert-success")).to_contain_text("项目代码")
    return project_id


def _choose_functions(unit: Session, project_id: int, phone: bool) -> None:
    expect = _expect()
    page = unit.page
    expect(page.locator("main h1")).to_contain_text("功能")
    procedures = page.get_by_test_id("process-procedures")
    procedures.get_by_label("项目建议书", exact=True).check()
    procedures.get_by_label("可行性研究报告", exact=True).check()
    page.get_by_test_id("process-progress").get_by_label("形象进度", exact=True).check()
    _fits(page, "functions page", phone)
    page.get_by_test_id("save-functions").click()
    expect(page).to_have_url(f"{unit.base}/projects/{project_id}")
    expect(page.locator(".alert-success")).to_contain_text("项目功能已保存")
    chosen = page.locator('[data-testid="process-state"][data-process="procedures"]')
    expect(chosen).to_contain_text("项目建议书")
    expect(chosen).to_contain_text("可行性研究报告")
    expect(page.locator('[data-testid="process-state"][data-process="progress"]')).to_contain_text("形象进度")


def _fill_information(unit: Session, name: str) -> None:
    page = unit.page
    for field, value in INFORMATION.items():
        page.locator(f'input[name="{field}"][value="{value}"]').check()
    page.locator('input[name="category"][value="市政道路"]').check()
    page.locator("#f-start_year").fill("2026")
    page.locator("#f-end_year").fill("2027")
    page.locator("#f-planned_investment").fill(PLANNED)
    page.locator("#f-description").fill(f"{name}：道路拓宽改造，全长 3.2 公里。")


def _department_check(session: Session, name: str, title: str, opinion: str) -> None:
    page = session.page
    open_inbox_task(session, name, title, heading="主管部门确认")
    page.locator('input[name="decision"][value="confirm"]').check()
    page.locator("#f-opinion").fill(opinion)
    submit_task(session, name, title)


@pytest.mark.parametrize("device", DEVICES)
def test_a_unit_registers_a_road_project_and_its_life_advances(
    device: dict[str, Any], session: Callable[..., Session], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    expect = _expect()
    phone = device is PHONE
    tag = "phone" if phone else "desktop"
    name = f"包头市昆区阿尔丁大街道路改造工程（{'手机' if phone else '电脑'}）"

    unit = session("unit1", **device)
    page = unit.page
    if phone:
        # The navbar collapses to a toggler at 375 px; it opens to the menu. Elsewhere: go by address.
        expect(page.get_by_test_id("whoami")).to_be_hidden()
        page.locator(".navbar-toggler").click()
        expect(page.get_by_test_id("whoami")).to_be_visible()
        page.get_by_role("navigation").get_by_role("link", name="项目库", exact=True).click()
        expect(page).to_have_url(unit.base + "/projects/")
        expect(page.get_by_test_id("register-project")).to_be_visible()

    # 1. register, choose the functions, start
    project_id = _register(unit, name, phone)
    _choose_functions(unit, project_id, phone)
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("start-lifecycle").click()
    expect(page.locator(".alert-success")).to_contain_text("已启动")
    expect(page.get_by_test_id("start-lifecycle")).to_have_count(0)
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "in_approval")
    expect(page.locator('[data-testid="process-state"][data-process="information"]')).to_have_attribute(
        "data-state", "active"
    )
    assert len(unit.dialogs) == 2, unit.dialogs  # save the functions? start the processes?

    # 2. project information: the unit records it, the competent department confirms
    open_inbox_task(unit, name, "登记项目信息")
    _fits(page, "information task", phone)
    _fill_information(unit, name)
    shot(page, f"life-{tag}-01-information")
    submit_task(unit, name, "登记项目信息")
    ndrc = session("ndrc1", **device)
    _department_check(ndrc, name, "确认项目信息", CONFIRM["opinion"])

    # 3. investment plan with its evidence: the unit types the plan, uploads the basis in place (the page
    # stays, every figure stays typed), reloads (the draft brings them back), submits; ndrc confirms
    open_inbox_task(unit, name, "登记投资计划")
    evidence = page.get_by_test_id("slot-investment_basis")
    expect(evidence.get_by_test_id("evidence-empty")).to_be_visible()
    plan = {field: str(value) for field, value in investment_plan(PLANNED).items()}
    for field, value in plan.items():
        page.locator(f"#f-{field}").fill(value)
    pdf = tmp_path / "投资估算依据.pdf"
    pdf.write_bytes(PDF)
    upload = page.get_by_test_id("upload-investment_basis")
    upload.locator('input[type="file"][name="file"]').set_input_files(pdf)
    upload.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("upload-investment_basis").locator("[data-upload-message]")).to_have_text("已上传。")
    expect(page).to_have_url(re.compile(re.escape(unit.base) + r"/tasks/\d+$"))
    expect(evidence.get_by_test_id("attachment")).to_have_count(1)
    expect(evidence.get_by_test_id("attachment")).to_contain_text(pdf.name)
    for field, value in plan.items():  # never left the page: nothing to restore
        expect(page.locator(f"#f-{field}")).to_have_value(value)
    expect(page.get_by_test_id("draft-status")).to_contain_text("已保存草稿")
    page.reload()
    for field, value in plan.items():
        expect(page.locator(f"#f-{field}")).to_have_value(value)
    expect(evidence.get_by_test_id("attachment")).to_have_count(1)
    _fits(page, "investment task", phone)
    shot(page, f"life-{tag}-02-investment")
    submit_task(unit, name, "登记投资计划")
    _department_check(ndrc, name, "主管部门初审投资计划", "投资构成与资金来源清楚，同意提交会签。")

    # 4. the joint sign-off: every department approves from its inbox
    for username in SIGNOFF_USERS:
        dept = session(username, **device)
        open_inbox_task(dept, name, "部门审查", heading="部门会签意见")
        _fits(dept.page, f"{username} sign-off task", phone)
        dept.page.locator('input[name="decision"][value="approve"]').check()
        dept.page.locator("#f-opinion").fill(f"{username} 审查同意。")
        submit_task(dept, name, "部门审查")

    # 5. the project page: information and investment done, procedures in progress, diagram, evidence
    page.goto(f"/projects/{project_id}")
    states = page.get_by_test_id("process-state")
    expect(states.and_(page.locator('[data-process="information"]'))).to_have_attribute("data-state", "done")
    expect(states.and_(page.locator('[data-process="investment"]'))).to_have_attribute("data-state", "done")
    expect(states.and_(page.locator('[data-process="procedures"]'))).to_have_attribute("data-state", "active")
    # the procedures ask the unit for each ticked document: two 登记项目手续 tasks wait now
    expect(page.get_by_test_id("open-tasks").locator("tbody tr").filter(has_text="登记项目手续")).to_have_count(2)
    evidence = page.get_by_test_id("evidence").get_by_test_id("slot-investment_basis")
    expect(evidence.get_by_test_id("attachment")).to_contain_text(pdf.name)
    _fits(page, "project page", phone)
    shot(page, f"life-{tag}-03-project")
    # the lifecycle diagram: bpmn-js has drawn it (its script sets data-ready to the active steps)
    active = wait_for_diagram(page, "lifecycle-diagram")
    assert "call_procedures" in active.split(), active
    expect(page.get_by_test_id("lifecycle-diagram").locator("svg").first).to_be_visible()
