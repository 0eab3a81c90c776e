"""The Content-Security-Policy in Chromium: the pages with scripts work and report no violation.

unit1 starts a demo project's processes (the confirm dialog is cancelled once: nothing happens; then
accepted), sees the project page (lifecycle diagram, progress charts), its inbox and the task page with
its diagram, and submits a second project for joint sign-off. finance1 (a department) sees its inbox,
the sign-off task page with its diagram, and the reports charts page. Chromium's
`securitypolicyviolation` events and console are watched on every page.
Screenshot of the task page: /tmp/csp-task.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.browser.support import DESKTOP, Session, open_inbox_task, sign_in, wait_for_diagram
from zerolegwork.demo import DEMO_PASSWORD, PROJECTS

pytestmark = pytest.mark.browser

TASK_SHOT = "/tmp/csp-task.png"
# Reports every CSP violation of every page of the context to Python (init scripts are exempt from the CSP).
WATCH_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__zlwViolations = (window.__zlwViolations || 0) + 1;
  window.__zlwViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@dataclass
class Watched:
    """A signed-in page whose CSP violations, console errors and dialogs are recorded."""

    page: Any
    base: str
    context: Any
    violations: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    answers: list[bool] = field(default_factory=list)  # what to answer the next dialogs; then accept

    def clean(self, where: str) -> None:
        assert not self.violations, f"{where}: CSP violations {self.violations}"
        assert not self.console, f"{where}: console errors {self.console}"


@pytest.fixture
def watched(server: str, chromium: Any) -> Iterator[Callable[[str], Watched]]:
    opened: list[Watched] = []

    def do(username: str) -> Watched:
        context = chromium.new_context(base_url=server, locale="zh-CN", **DESKTOP)
        context.set_default_timeout(10_000)
        page = context.new_page()
        w = Watched(page, server, context)
        context.expose_binding("__zlwViolation", lambda _source, text: w.violations.append(text))
        context.add_init_script(WATCH_VIOLATIONS)

        def on_console(message: Any) -> None:
            # a failed load is reported by on_response with its address; the console line has none
            if message.text.startswith("Failed to load resource"):
                return
            if message.type == "error" or "Content Security Policy" in message.text:
                w.console.append(message.text)

        def on_response(response: Any) -> None:
            if response.status >= 400 and not response.url.endswith("/favicon.ico"):
                w.console.append(f"{response.status} {response.request.method} {response.url}")

        def on_dialog(dialog: Any) -> None:
            w.dialogs.append(dialog.message)
            if w.answers.pop(0) if w.answers else True:
                dialog.accept()
            else:
                dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda exc: w.console.append(f"page error: {exc}"))
        page.on("dialog", on_dialog)
        page.on("response", on_response)
        sign_in(Session(context, page, server), username, DEMO_PASSWORD)
        opened.append(w)
        return w

    yield do
    for w in opened:
        w.context.close()


def as_session(w: Watched) -> Session:
    """The support helpers' Session view of a watched page."""
    return Session(w.context, w.page, w.base)


def _open_project(w: Watched, name: str) -> int:
    from playwright.sync_api import expect

    w.page.goto("/projects/")
    w.page.get_by_role("link", name=name, exact=True).click()
    expect(w.page).to_have_url(re.compile(re.escape(w.base) + r"/projects/\d+$"))
    return int(w.page.url.rsplit("/", 1)[1])


def _charts_ready(page: Any, testid: str) -> None:
    page.wait_for_selector(f'[data-testid="{testid}"][data-ready]', state="attached", timeout=20_000)
    ready = page.get_by_test_id(testid).get_attribute("data-ready")
    assert ready != "error", f"the {testid} could not be drawn"
    # each of the three charts is drawn by ECharts or, with nothing to draw, says so in words (charts.js)
    charts = page.locator(f'[data-testid="{testid}"] .zlw-chart')
    drawn = page.locator(f'[data-testid="{testid}"] .zlw-chart:has(canvas)').count()
    empty = page.locator(f'[data-testid="{testid}"] .zlw-chart[data-empty]').count()
    assert charts.count() == 3 and drawn + empty == 3, (drawn, empty)


def test_the_pages_with_scripts_work_under_the_policy(watched: Callable[[str], Watched]) -> None:
    from playwright.sync_api import expect

    started, submitted = PROJECTS[0][0], PROJECTS[1][0]
    unit = watched("unit1")
    page = unit.page
    unit.clean("unit1's inbox")

    # cancelling the confirmation sends nothing; accepting it starts the processes
    project_id = _open_project(unit, started)
    unit.answers = [False]
    page.get_by_test_id("start-lifecycle").click()
    assert unit.dialogs == ["启动该项目的全流程办理？将首先填写项目信息。"], unit.dialogs
    page.reload()
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("start-lifecycle")).to_have_count(1)
    page.get_by_test_id("start-lifecycle").click()
    expect(page.get_by_test_id("start-lifecycle")).to_have_count(0)
    assert len(unit.dialogs) == 2

    page.goto(f"/projects/{project_id}")
    assert wait_for_diagram(page, "lifecycle-diagram")
    _charts_ready(page, "project-charts")
    unit.clean("the project page")

    open_inbox_task(as_session(unit), started, "登记项目信息")
    assert wait_for_diagram(page, "task-diagram")
    expect(page.locator('[data-testid="task-diagram"] .djs-element.zlw-active')).not_to_have_count(0)
    page.screenshot(path=TASK_SHOT, full_page=True)
    unit.clean("unit1's task page")

    _open_project(unit, submitted)
    page.get_by_test_id("submit-signoff").click()
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "in_approval")
    assert unit.dialogs[-1] == "确定将该项目提交各部门并联会签吗？"
    unit.clean("submitting for sign-off")

    dept = watched("finance1")
    open_inbox_task(as_session(dept), submitted, "部门审查", heading="部门会签意见")
    assert wait_for_diagram(dept.page, "task-diagram")
    dept.clean("finance1's task page")
    dept.page.goto("/reports/charts")
    _charts_ready(dept.page, "group-charts")
    # the demo's showcase has progress reports: ECharts itself runs under the policy here
    assert dept.page.locator('[data-testid="group-charts"] .zlw-chart canvas').count() >= 1
    dept.clean("the reports charts page")

    # the watch is live: an inline script added by the page itself is refused and reported
    dept.page.evaluate("document.body.appendChild(Object.assign(document.createElement('script'), {textContent: '1'}))")
    dept.page.wait_for_function("window.__zlwViolations > 0")  # the report to Python was sent before
    assert any(v.startswith("script-src-elem blocked inline") for v in dept.violations), dept.violations
