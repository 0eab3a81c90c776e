"""The joint approval in a real browser, as the issue accepts it.

"Four departments approve one project in parallel, one returns it, the unit fixes and resubmits,
all approve; notifications appear."

A demo project of unit1 is put into joint sign-off (the project page offers the whole lifecycle for
a project with a competent department, so the sign-off is submitted on its own through the project's
submit route, i.e. projects.services.submit_for_signoff, with unit1's session). Then each of the four
departments sees the task (bell and inbox count in the navigation), three approve and ndrc rejects
with an opinion; unit1 sees 处理退回意见 with the opinion and resubmits; all four approve round 2;
the project is approved, and the notifications pages list the task notifications.

Run once at desktop width and once at 375 px (phone), each on its own demo project, against one
`flask zlw serve` with a fresh database. Screenshots land in test-artifacts/browser/joint-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
)
from zerolegwork.demo import PROJECTS

pytestmark = pytest.mark.browser

# (device, demo project): 友谊大街 is 市政道路 12800 万元, 老旧小区改造 is 城市更新 8650.25 万元; both are
# signed off by finance, ndrc, environment and housing, each by 审批 (bpmn/signoff_departments.dmn).
CASES = [pytest.param(DESKTOP, PROJECTS[0][0], id="desktop"), pytest.param(PHONE, PROJECTS[2][0], id="phone")]
DEPARTMENTS = {
    "finance1": "包头市财政局",
    "ndrc1": "包头市发展和改革委员会",
    "env1": "包头市生态环境局",
    "housing1": "包头市住房和城乡建设局",
}
REJECTING = "ndrc1"
REJECTION = "可行性研究报告缺少用地预审意见，请补充后重新提交。"
REVIEW = "部门审查"  # the task title in the inbox (bpmn/joint_signoff.bpmn)
REVIEW_FORM = "部门会签意见"  # the form's title on the task page (forms/department_signoff.json)
REVISE = "处理退回意见"


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _fits(page: Any, where: str, phone: bool) -> None:
    if phone:
        width = scroll_width(page)
        assert width <= 376, f"{where}: the page scrolls sideways at 375 px (scrollWidth {width})"


def _submit_for_signoff(unit: Session, project_name: str) -> int:
    """Open the demo project from the library and put it into joint sign-off; returns its id."""
    expect = _expect()
    page = unit.page
    page.goto("/projects/")
    page.get_by_role("link", name=project_name, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(unit.base) + r"/projects/\d+$"))
    project_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "draft")
    if page.get_by_test_id("submit-signoff").count():
        page.get_by_test_id("submit-signoff").click()
    else:
        # The page offers the lifecycle (start-lifecycle) instead: submit the sign-off alone through
        # the project's submit route (projects.services.submit_for_signoff) with the unit's session.
        expect(page.get_by_test_id("start-lifecycle")).to_be_visible()
        token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
        response = page.request.post(f"/projects/{project_id}/submit", form={"csrf_token": str(token)})
        assert response.ok, f"submitting for joint sign-off answered {response.status}"
        page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "in_approval")
    return project_id


def _sees_the_task(dept: Session, phone: bool) -> None:
    """The navigation shows unread notifications on the bell and the number of waiting tasks."""
    expect = _expect()
    page = dept.page
    page.goto("/")
    bell = page.get_by_test_id("bell")
    count = page.get_by_test_id("nav-inbox-count")
    expect(bell).to_have_text(re.compile(r"[1-9]\d*\s*$"))
    expect(count).to_have_text(re.compile(r"^\s*[1-9]\d*\s*$"))
    if phone:  # inside the collapsed menu: present, shown once the toggler opens it
        expect(count).to_be_hidden()
    else:
        expect(bell).to_be_visible()
        expect(count).to_be_visible()


def _deadline_shown(page: Any) -> bool:
    """The task page states its time limit (plain, or as a yellow/red warning) when the task has one."""
    expect = _expect()
    shown = page.get_by_test_id("deadline").or_(page.get_by_test_id("deadline-warning"))
    if shown.count() == 0:
        return False
    expect(shown).to_be_visible()
    expect(shown).to_contain_text(re.compile(r"\d+ 个工作日.*\d{4}-\d{2}-\d{2}"))
    return True


def _review(dept: Session, project_name: str, decision: str, opinion: str, phone: bool) -> tuple[int, bool]:
    """Open the sign-off task from the inbox and give the decision; returns the task id and whether the
    page showed a deadline."""
    page = dept.page
    task_id = open_inbox_task(dept, project_name, REVIEW, heading=REVIEW_FORM)
    deadline = _deadline_shown(page)
    _fits(page, "sign-off task", phone)
    page.locator(f'input[name="decision"][value="{decision}"]').check()
    page.locator("#f-opinion").fill(opinion)
    submit_task(dept, project_name, REVIEW)
    return task_id, deadline


def _notified(s: Session, task_ids: list[int], title: str) -> None:
    """The notifications page lists a notification naming and linking to each of the tasks; marking
    them read empties the bell."""
    expect = _expect()
    page = s.page
    page.goto("/notifications/")
    expect(page.locator("main h1")).to_contain_text("通知")
    for task_id in task_ids:
        item = page.get_by_test_id("notification").filter(has=page.locator(f'a[href="/tasks/{task_id}"]'))
        expect(item).to_have_count(1)
        expect(item).to_contain_text(title)  # 新任务：部门审查, 退回给您：处理退回意见 …
    mark_read = page.get_by_test_id("mark-read")
    if mark_read.count():
        mark_read.click()
        expect(page.get_by_test_id("mark-read")).to_have_count(0)
    expect(page.get_by_test_id("bell")).to_have_text(re.compile(r"\b0\s*$"))


@pytest.mark.parametrize(("device", "project_name"), CASES)
def test_four_departments_one_returns_the_unit_resubmits_all_approve(
    device: dict[str, Any], project_name: str, session: Callable[..., Session]
) -> None:
    expect = _expect()
    phone = device is PHONE
    tag = "phone" if phone else "desktop"

    unit = session("unit1", **device)
    project_id = _submit_for_signoff(unit, project_name)
    deadlines = []
    tasks: dict[str, list[int]] = {username: [] for username in DEPARTMENTS}

    # round 1: the four see the task; three approve, ndrc returns it with its opinion
    for username in DEPARTMENTS:
        dept = session(username, **device)
        _sees_the_task(dept, phone)
        if phone and username == "finance1":
            page = dept.page
            page.locator(".navbar-toggler").click()
            expect(page.get_by_test_id("nav-inbox-count")).to_be_visible()
            expect(page.get_by_test_id("bell")).to_be_visible()
            shot(page, f"joint-{tag}-01-menu-open")
        decision, opinion = ("reject", REJECTION) if username == REJECTING else ("approve", "材料齐全，同意。")
        task_id, deadline = _review(dept, project_name, decision, opinion, phone)
        tasks[username].append(task_id)
        deadlines.append(deadline)
    assert all(deadlines), f"sign-off task pages without their time limit: {deadlines}"

    # the unit sees the returned task with the opinion, and resubmits
    page = unit.page
    page.goto("/")
    row = page.get_by_test_id("task-row").filter(has_text=project_name).filter(has_text=REVISE)
    expect(row).to_have_count(1)
    _fits(page, "unit inbox with the returned task", phone)
    revise_id = open_inbox_task(unit, project_name, REVISE)
    expect(page.get_by_test_id("opinions")).to_contain_text(REJECTION)
    _deadline_shown(page)
    shot(page, f"joint-{tag}-02-revise")
    page.locator('input[name="action"][value="resubmit"]').check()
    page.locator("#f-note").fill("已补充用地预审意见，请再次审查。")
    submit_task(unit, project_name, REVISE)
    page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "in_approval")

    # round 2: all four approve
    for username in DEPARTMENTS:
        dept = session(username, **device)
        _sees_the_task(dept, phone)
        task_id, _ = _review(dept, project_name, "approve", "补充材料齐全，同意。", phone)
        tasks[username].append(task_id)

    page.goto(f"/projects/{project_id}")
    state = page.get_by_test_id("project-state")
    expect(state).to_have_attribute("data-state", "approved")
    expect(state).to_have_text("已通过")
    opinions = page.get_by_test_id("opinions")
    expect(opinions.locator("tbody tr")).to_have_count(8)  # two rounds of four
    expect(opinions).to_contain_text(REJECTION)
    expect(opinions).to_contain_text("不同意")
    _fits(page, "project page, approved", phone)
    shot(page, f"joint-{tag}-03-approved")

    # notifications: each department was told of its two tasks, the unit of the returned one
    for username, ids in tasks.items():
        _notified(session(username, **device), ids, REVIEW)
    _notified(unit, [revise_id], REVISE)
    _fits(page, "notifications page", phone)
    shot(page, f"joint-{tag}-04-notifications")
