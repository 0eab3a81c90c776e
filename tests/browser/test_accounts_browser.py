"""The accounts issue in a real browser: self-registration and its review, a department administrator's
chain with a second level, and the new pages in Chinese at phone width.

Headless Debian Chromium against its own `flask zlw serve` (fresh SQLite database with demo data).
Screenshots land in test-artifacts/browser/accounts-*.png for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.support import (
    CHINESE,
    DESKTOP,
    PHONE,
    Session,
    fill_login,
    open_session,
    scroll_width,
    shot,
    sign_in,
)
from zerolegwork.demo import DEMO_PASSWORD, PROJECTS
from zerolegwork.orgs import creditcode

pytestmark = pytest.mark.browser

FLASH_TASK_DONE = "已提交，已流转到下一环节"
FLASH_SUBMITTED = "已提交各部门并联会签"
FLASH_STRUCTURE_SAVED = "已保存"


@pytest.fixture
def session(server: str, chromium: Any) -> Iterator[Callable[..., Session]]:
    """session(username=None, **context_options): a fresh context, signed in when a user name is given.

    At teardown the test fails if any context saw a console error or a 5xx response.
    """
    opened: list[Session] = []

    def do(username: str | None = None, password: str = DEMO_PASSWORD, **options: Any) -> Session:
        s = open_session(chromium, server, **options)
        opened.append(s)
        if username is not None:
            sign_in(s, username, password)
        return s

    yield do
    problems = [p for s in opened for p in s.problems]
    for s in opened:
        s.context.close()
    assert not problems, "console errors or failed responses:\n" + "\n".join(problems)


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _open_task(page: Any, server: str, project_name: str) -> None:
    expect = _expect()
    row = page.get_by_test_id("task-row").filter(has_text=project_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="办理").click()
    expect(page).to_have_url(re.compile(re.escape(server) + r"/tasks/\d+$"))
    expect(page.locator("main h1")).to_have_text("部门会签意见")


def _sign(page: Any, decision: str, opinion: str, project_name: str) -> None:
    expect = _expect()
    page.locator(f'input[name="decision"][value="{decision}"]').check()
    page.locator('textarea[name="opinion"]').fill(opinion)
    page.get_by_test_id("submit").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_TASK_DONE)
    expect(page.get_by_test_id("task-row").filter(has_text=project_name)).to_have_count(0)


# --- 1. a new project unit registers, is approved, sees only its own (empty) list -------------------


def test_a_new_unit_registers_is_approved_and_sees_only_its_empty_list(
    server: str, session: Callable[..., Session]
) -> None:
    expect = _expect()
    org_name = "包头市东河区宏远建设有限公司"
    username = "hongyuan_unit"
    password = "Hongyuan#Build-2026"
    credit_code = creditcode.make("91150202", "MA7Q2B3C")
    assert creditcode.problem(credit_code) is None

    applicant = session(**PHONE)
    page = applicant.page
    page.goto("/login")
    link = page.get_by_test_id("register-link")
    if link.count():
        link.click()
    else:  # the sign-in page offers no way to register: go there directly
        page.goto("/register")
    expect(page).to_have_url(server + "/register")
    page.get_by_test_id("register-unit").click()
    expect(page).to_have_url(server + "/register/unit")
    expect(page.locator("main h1")).to_have_text("注册项目单位")
    page.locator("#f-org_name").fill(org_name)
    page.locator("#f-credit_code").fill(credit_code)
    page.locator("#f-region_id").select_option(label="东河区")
    page.locator("#f-contact_name").fill("赵经理")
    page.locator("#f-contact_phone").fill("13904720000")
    page.locator("#f-username").fill(username)
    page.locator("#f-display_name").fill("赵宏远")
    page.locator("#f-password").fill(password)
    page.locator("#f-password_repeat").fill(password)
    assert scroll_width(page) <= 376, "registration form scrolls sideways"
    shot(page, "accounts-01-register-unit-filled")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("registration-done")).to_contain_text("注册申请已提交")
    expect(page.get_by_test_id("form-errors")).to_have_count(0)

    # Not approved yet: the sign-in is refused with a message, and the inbox is not reached.
    fill_login(applicant, username, password)
    expect(page.get_by_test_id("login-error")).to_contain_text(CHINESE)
    expect(page).to_have_url(server + "/login")
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    shot(page, "accounts-02-login-before-approval")
    applicant.context.close()

    reviewer = session("admin_150202", **PHONE)
    page = reviewer.page
    page.locator(".navbar-toggler").tap()
    page.get_by_test_id("nav-registrations").click()
    expect(page).to_have_url(server + "/registrations/")
    expect(page.locator("main h1")).to_contain_text("注册审核")
    row = page.get_by_test_id("registration-row").filter(has_text=org_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(credit_code)
    expect(row).to_contain_text(username)
    expect(row).to_contain_text("13904720000")
    assert scroll_width(page) <= 376, "registrations page scrolls sideways"
    shot(page, "accounts-03-registrations-pending")
    row.get_by_test_id("approve").tap()
    expect(page.locator(".alert-success")).to_contain_text("已审核通过")
    expect(page.get_by_test_id("registration-row").filter(has_text=org_name)).to_have_count(0)
    assert reviewer.dialogs == ["确定审核通过该注册申请吗？"], reviewer.dialogs
    reviewer.context.close()

    unit = session(username, password, **PHONE)
    page = unit.page
    page.goto("/projects/")
    expect(page.get_by_test_id("projects-empty")).to_be_visible()
    expect(page.get_by_test_id("project-row")).to_have_count(0)
    body = page.locator("body").inner_text()
    for name, *_rest in PROJECTS:
        assert name not in body, f"the new unit sees the demo project {name}"
    assert scroll_width(page) <= 376, "projects page scrolls sideways"
    shot(page, "accounts-04-new-unit-projects-empty")


# --- 2. a department administrator adds a level; the next sign-off passes through it ----------------


def test_a_department_admin_adds_a_level_and_the_next_signoff_passes_through_it(
    server: str, session: Callable[..., Session]
) -> None:
    expect = _expect()
    admin = session("finance_admin", **DESKTOP)
    page = admin.page
    page.get_by_test_id("nav-dept").click()
    expect(page).to_have_url(server + "/dept/")

    add_level = page.get_by_test_id("add-level")
    add_level.locator('input[name="name"]').fill("局长")
    add_level.get_by_role("button", name="添加层级").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_STRUCTURE_SAVED)
    expect(page.get_by_test_id("levels")).to_contain_text("4. 局长")

    add_post = page.get_by_test_id("add-post")
    add_post.locator('input[name="name"]').fill("局长岗")
    add_post.locator('select[name="level_id"]').select_option(label="局长")
    add_post.get_by_role("button", name="添加岗位").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_STRUCTURE_SAVED)
    post_row = page.get_by_test_id("post-row").filter(has=page.locator("td", has_text=re.compile(r"^局长岗$")))
    expect(post_row).to_have_count(1)
    expect(post_row.locator("td").nth(1)).to_have_text("局长")

    assign = post_row.locator("form").filter(has=page.locator('select[name="user_id"]'))
    assign.locator('select[name="user_id"]').select_option(label="财政局 科长")
    assign.get_by_role("button", name="添加").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_STRUCTURE_SAVED)
    post_row = page.get_by_test_id("post-row").filter(has=page.locator("td", has_text=re.compile(r"^局长岗$")))
    expect(post_row.get_by_role("button", name="财政局 科长 ×")).to_have_count(1)

    chain = page.get_by_test_id("chain-approval")
    page.get_by_test_id("chain-approval-step-1").select_option(label="经办岗")
    page.get_by_test_id("chain-approval-step-2").select_option(label="局长岗")
    page.get_by_test_id("chain-approval-step-3").select_option(value="")
    page.get_by_test_id("chain-approval-step-4").select_option(value="")
    chain.get_by_role("button", name="保存审批链").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_STRUCTURE_SAVED)
    steps = page.get_by_test_id("chain-steps-approval").locator("li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("经办岗")
    expect(steps.nth(1)).to_contain_text("局长岗")
    assert admin.dialogs == ["确定替换该审批链吗？新事项将按此流转。"], admin.dialogs
    shot(page, "accounts-05-dept-chain-two-levels")
    admin.context.close()

    project_name = PROJECTS[0][0]
    unit = session("unit1", **DESKTOP)
    page = unit.page
    page.goto("/projects/")
    page.get_by_role("link", name=project_name, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(server) + r"/projects/\d+$"))
    project_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_test_id("submit-signoff").click()
    expect(page.locator(".alert-success")).to_contain_text(FLASH_SUBMITTED)
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "in_approval")
    unit.context.close()

    first_opinion = "经办审查：资金来源明确，报局长审定。"
    handler = session("finance1", **DESKTOP)
    _open_task(handler.page, server, project_name)
    expect(handler.page.get_by_test_id("waiting-post")).to_have_text("当前岗位：经办岗")
    expect(handler.page.get_by_test_id("levels")).to_have_count(0)
    _sign(handler.page, "approve", first_opinion, project_name)
    handler.context.close()

    chief_opinion = "局长审定：同意。"
    chief = session("finance_chief", **DESKTOP)
    page = chief.page
    _open_task(page, server, project_name)
    levels = page.get_by_test_id("levels")
    expect(levels.locator("li")).to_have_count(1)
    expect(levels).to_contain_text("财政局 审查员")
    expect(levels).to_contain_text("同意")
    expect(levels).to_contain_text(first_opinion)
    expect(page.get_by_test_id("waiting-post")).to_have_text("当前岗位：局长岗")
    shot(page, "accounts-06-task-second-level")
    _sign(page, "approve", chief_opinion, project_name)
    chief.context.close()

    for username in ("ndrc1", "env1", "housing1"):
        dept = session(username, **DESKTOP)
        _open_task(dept.page, server, project_name)
        _sign(dept.page, "approve", f"{username} 审查同意。", project_name)
        dept.context.close()

    unit = session("unit1", **DESKTOP)
    page = unit.page
    page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "approved")
    opinions = page.get_by_test_id("opinions")
    expect(opinions.locator("tbody tr")).to_have_count(4)
    expect(opinions).to_contain_text(chief_opinion)
    shot(page, "accounts-07-project-approved")


# --- 3. the pages of the issue are Chinese and fit a phone -------------------------------------------

PAGES = [
    # (name for the screenshot, URL, who is signed in)
    ("register", "/register", None),
    ("register-unit", "/register/unit", None),
    ("register-agency", "/register/agency", None),
    ("registrations", "/registrations/", "admin"),
    ("dept", "/dept/", "finance_admin"),
    ("dept-substitutes", "/dept/substitutes", "finance_admin"),
    ("experts", "/experts/", "finance1"),
    ("account", "/account", "finance1"),
    ("audit", "/audit/", "auditor"),
    ("login", "/login", None),
]


def test_the_pages_of_the_accounts_issue_are_chinese_and_fit_a_phone(
    server: str, session: Callable[..., Session]
) -> None:
    sessions: dict[str | None, Session] = {}
    failures: list[str] = []
    for name, url, username in PAGES:
        if username not in sessions:
            sessions[username] = session(username, **PHONE)
        page = sessions[username].page
        response = page.goto(url)
        if response is None or response.status != 200:
            failures.append(f"{url}: status {response.status if response else 'none'}")
        if page.url != server + url:
            failures.append(f"{url}: ended at {page.url}")
        width = scroll_width(page)
        if width > 376:
            failures.append(f"{url}: scrolls sideways (scrollWidth {width} > 376)")
        lang = page.evaluate("document.documentElement.lang")
        if lang != "zh-CN":
            failures.append(f"{url}: <html lang={lang!r}>, not zh-CN")
        text = page.locator("body").inner_text()
        if not CHINESE.search(text):
            failures.append(f"{url}: no Chinese text visible")
        shot(page, f"accounts-{name}")
    assert not failures, "\n".join(failures)
