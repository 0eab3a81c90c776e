"""The first vertical slice in a real browser: headless Chromium against `flask zlw serve`.

A project unit submits a demo project for joint sign-off; the four departments sign in turn through
their inboxes; the unit sees the outcome. One run on a desktop viewport (all approve), one on a phone
viewport (one department rejects, a form error is shown, nothing scrolls sideways).
Screenshots land in test-artifacts/browser/ for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser import support
from tests.browser.support import (
    DESKTOP,
    PHONE,
    Session,
    open_session,
    shot,
)
from zerolegwork.demo import DEMO_PASSWORD, PROJECTS

pytestmark = pytest.mark.browser

DEPARTMENT_USERS = [("finance1", "finance"), ("ndrc1", "ndrc"), ("env1", "environment"), ("housing1", "housing")]
FLASH_TASK_DONE = "已提交，已流转到下一环节"
FLASH_SUBMITTED = "已提交各部门并联会签"


@pytest.fixture
def sign_in(server: str, chromium: Any) -> Iterator[Callable[..., Session]]:
    """sign_in(username, **context_options): a fresh browser context (so a fresh session) per user."""
    opened: list[Session] = []

    def do(username: str, **options: Any) -> Session:
        session = open_session(chromium, server, **options)
        opened.append(session)
        support.sign_in(session, username, DEMO_PASSWORD)
        return session

    yield do
    for session in opened:
        session.context.close()


def _no_sideways_scroll(page: Any, where: str, width: int = 375) -> None:
    scroll_width = support.scroll_width(page)
    assert scroll_width <= width + 1, f"{where}: the page scrolls sideways (scrollWidth {scroll_width} > {width})"


def _submit_for_signoff(session: Session, server: str, project_name: str) -> int:
    from playwright.sync_api import expect

    page = session.page
    page.goto("/projects/")
    page.get_by_role("link", name=project_name, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(server) + r"/projects/\d+$"))
    project_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("submit-signoff").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_SUBMITTED)
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "in_approval")
    expect(page.get_by_test_id("submit-signoff")).to_have_count(0)
    assert session.dialogs == ["确定将该项目提交各部门并联会签吗？"], session.dialogs
    return project_id


def _open_task(page: Any, server: str, project_name: str, title: str = "部门会签意见") -> None:
    from playwright.sync_api import expect

    row = page.get_by_test_id("task-row").filter(has_text=project_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="办理").click()
    expect(page).to_have_url(re.compile(re.escape(server) + r"/tasks/\d+$"))
    expect(page.locator("main h1")).to_have_text(title)


def _sign(page: Any, decision: str, opinion: str, project_name: str) -> None:
    from playwright.sync_api import expect

    page.locator(f'input[name="decision"][value="{decision}"]').check()
    page.locator('textarea[name="opinion"]').fill(opinion)
    page.get_by_test_id("submit").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_TASK_DONE)
    expect(page.get_by_test_id("task-row").filter(has_text=project_name)).to_have_count(0)


def test_all_four_departments_approve_on_a_desktop(server: str, sign_in: Callable[..., Session]) -> None:
    from playwright.sync_api import expect

    project_name = PROJECTS[0][0]
    unit = sign_in("unit1", **DESKTOP)
    expect(unit.page.get_by_test_id("whoami")).to_be_visible()
    project_id = _submit_for_signoff(unit, server, project_name)
    shot(unit.page, "desktop-01-project-submitted")

    opinions = {}
    for username, org in DEPARTMENT_USERS:
        dept = sign_in(username, **DESKTOP)
        _open_task(dept.page, server, project_name)
        if org == "housing":
            shot(dept.page, "desktop-02-task-housing")
        opinions[org] = f"{org} 审查同意：材料齐全，符合要求。"
        _sign(dept.page, "approve", opinions[org], project_name)
        assert not dept.console_errors, dept.console_errors
        dept.context.close()

    unit.page.goto(f"/projects/{project_id}")
    expect(unit.page.get_by_test_id("project-state")).to_have_attribute("data-state", "approved")
    expect(unit.page.get_by_test_id("project-state")).to_have_text("已通过")
    table = unit.page.get_by_test_id("opinions")
    expect(table.locator("tbody tr")).to_have_count(4)
    for opinion in opinions.values():
        expect(table).to_contain_text(opinion)
    shot(unit.page, "desktop-03-project-approved")
    assert not unit.console_errors, unit.console_errors


def test_one_rejection_returns_the_project_on_a_phone(server: str, sign_in: Callable[..., Session]) -> None:
    from playwright.sync_api import expect

    project_name = PROJECTS[1][0]
    unit = sign_in("unit1", **PHONE)
    page = unit.page
    # The navbar collapses to a toggler at phone width; opening it shows who is signed in.
    expect(page.get_by_test_id("whoami")).to_be_hidden()
    page.locator(".navbar-toggler").tap()
    expect(page.get_by_test_id("whoami")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    _no_sideways_scroll(page, "unit inbox")
    project_id = _submit_for_signoff(unit, server, project_name)
    _no_sideways_scroll(page, "project page after submitting")
    unit.context.close()

    reasons = {
        "finance": "资金来源明确，同意。",
        "ndrc": "可行性研究报告缺少用地预审意见，请补充后重新提交。",
        "environment": "环评手续齐全，同意。",
        "housing": "同意。",
    }
    for username, org in DEPARTMENT_USERS:
        dept = sign_in(username, **PHONE)
        page = dept.page
        _no_sideways_scroll(page, f"{username} inbox")
        if org == "finance":
            shot(page, "phone-01-inbox-finance")
        _open_task(page, server, project_name)
        _no_sideways_scroll(page, f"{username} task page")
        if org == "finance":
            # Nothing chosen: the form comes back with the errors, in Chinese.
            page.get_by_test_id("submit").click()
            expect(page.get_by_test_id("form-errors")).to_be_visible()
            expect(page.get_by_test_id("error-decision")).to_contain_text("此项为必填项")
            expect(page.get_by_test_id("error-opinion")).to_contain_text("此项为必填项")
            _no_sideways_scroll(page, "task page with form errors")
            shot(page, "phone-02-task-form-errors")
        if org == "ndrc":
            shot(page, "phone-03-task-ndrc")
        decision = "reject" if org == "ndrc" else "approve"
        _sign(page, decision, reasons[org], project_name)
        assert not dept.console_errors, dept.console_errors
        dept.context.close()

    unit = sign_in("unit1", **PHONE)
    page = unit.page
    row = page.get_by_test_id("task-row").filter(has_text=project_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("处理退回意见")
    _no_sideways_scroll(page, "unit inbox with the returned task")
    shot(page, "phone-04-inbox-unit-returned")
    _open_task(page, server, project_name, title="处理退回意见")
    expect(page.get_by_test_id("opinions")).to_contain_text(reasons["ndrc"])
    _no_sideways_scroll(page, "revise task page")
    shot(page, "phone-05-task-revise")

    page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "returned")
    table = page.get_by_test_id("opinions")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text(reasons["ndrc"])
    expect(table).to_contain_text("不同意")
    _no_sideways_scroll(page, "project page, returned")
    shot(page, "phone-06-project-returned")
    assert not unit.console_errors, unit.console_errors
