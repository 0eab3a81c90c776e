"""The first vertical slice in a real browser: headless Chromium against `flask zlw serve`.

A project unit submits a demo project for joint sign-off; the four departments sign in turn through
their inboxes; the unit sees the outcome. One run on a desktop viewport (all approve), one on a phone
viewport (one department rejects, a form error is shown, nothing scrolls sideways).
Screenshots land in test-artifacts/browser/ for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import service_missing
from zerolegwork.demo import DEMO_PASSWORD, PROJECTS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
STARTUP_TIMEOUT = 60.0
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DEPARTMENT_USERS = [("finance1", "finance"), ("ndrc1", "ndrc"), ("env1", "environment"), ("housing1", "housing")]
FLASH_TASK_DONE = "已提交，已流转到下一环节"
FLASH_SUBMITTED = "已提交各部门并联会签"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no server log: {exc})"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`flask zlw serve` on a free port with a fresh SQLite database; yields the base URL."""
    if not Path(CHROMIUM).exists():
        service_missing("Chromium at " + CHROMIUM, "the file does not exist")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        service_missing("Playwright for Python", exc)
    tmp = Path(tempfile.mkdtemp(prefix="zlw-browser-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    env = {
        **os.environ,
        "ZLW_DATABASE_URL": f"sqlite:///{tmp / 'browser.db'}",
        "ZLW_ENV": "development",
        "ZLW_REDIS_URL": "",
        # every user signs in from 127.0.0.1 here, many times a minute
        "ZLW_LOGIN_LIMIT_PER_IP": "1000",
        "PYTHONUNBUFFERED": "1",
    }
    flask = Path(sys.executable).with_name("flask")
    cmd = [str(flask), "--app", "wsgi", "zlw", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(base):
            if proc.poll() is not None:
                hint = ""
                if "Ignoring a call to 'app.run()'" in _tail(log_path):
                    hint = (
                        "\n`flask zlw serve` returned without serving: under the flask CLI app.run() is a no-op "
                        "(FLASK_RUN_FROM_CLI=true); the serve command must start the server another way."
                    )
                pytest.fail(f"the server exited with {proc.returncode}{hint}; log tail:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                waited = f"{STARTUP_TIMEOUT:.0f} s"
                pytest.fail(f"the server did not answer /healthz in {waited}; log tail:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield base
    finally:
        _stop(proc)
        if os.environ.get("ZLW_KEEP_BROWSER_TMP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(server: str) -> Iterator[Any]:
    """One headless Chromium for the module (Debian's build, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Session:
    """A browser context signed in as one user, with the page, the dialogs seen and the console errors."""

    context: Any
    page: Any
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def sign_in(server: str, chromium: Any) -> Iterator[Callable[..., Session]]:
    """sign_in(username, **context_options): a fresh browser context (so a fresh session) per user."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened: list[Session] = []

    def do(username: str, **options: Any) -> Session:
        context = chromium.new_context(base_url=server, locale="zh-CN", **options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        session = Session(context, page)
        opened.append(session)

        def on_dialog(dialog: Any) -> None:
            session.dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", on_dialog)
        page.on("console", lambda m: _console(session, m))
        page.on("pageerror", lambda exc: session.console_errors.append(str(exc)))
        page.on("response", lambda r: _failed_response(session, r))
        page.goto("/login")
        page.locator("#username").fill(username)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page).to_have_url(server + "/")
        expect(page.get_by_test_id("whoami")).to_have_count(1)
        return session

    yield do
    for session in opened:
        session.context.close()


def _console(session: Session, message: Any) -> None:
    # A failed load is reported with its address by _failed_response; the console line has none.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        session.console_errors.append(message.text)


def _failed_response(session: Session, response: Any) -> None:
    # A 422 is the task form coming back with its errors; favicon.ico is not provided.
    if response.status >= 400 and response.status != 422 and not response.url.endswith("/favicon.ico"):
        session.console_errors.append(f"{response.status} {response.request.method} {response.url}")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page: Any, where: str, width: int = 375) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
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

    project_name = PROJECTS[0][1]
    unit = sign_in("unit1", **DESKTOP)
    expect(unit.page.get_by_test_id("whoami")).to_be_visible()
    project_id = _submit_for_signoff(unit, server, project_name)
    _shot(unit.page, "desktop-01-project-submitted")

    opinions = {}
    for username, org in DEPARTMENT_USERS:
        dept = sign_in(username, **DESKTOP)
        _open_task(dept.page, server, project_name)
        if org == "housing":
            _shot(dept.page, "desktop-02-task-housing")
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
    _shot(unit.page, "desktop-03-project-approved")
    assert not unit.console_errors, unit.console_errors


def test_one_rejection_returns_the_project_on_a_phone(server: str, sign_in: Callable[..., Session]) -> None:
    from playwright.sync_api import expect

    project_name = PROJECTS[1][1]
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
            _shot(page, "phone-01-inbox-finance")
        _open_task(page, server, project_name)
        _no_sideways_scroll(page, f"{username} task page")
        if org == "finance":
            # Nothing chosen: the form comes back with the errors, in Chinese.
            page.get_by_test_id("submit").click()
            expect(page.get_by_test_id("form-errors")).to_be_visible()
            expect(page.get_by_test_id("error-decision")).to_contain_text("此项为必填项")
            expect(page.get_by_test_id("error-opinion")).to_contain_text("此项为必填项")
            _no_sideways_scroll(page, "task page with form errors")
            _shot(page, "phone-02-task-form-errors")
        if org == "ndrc":
            _shot(page, "phone-03-task-ndrc")
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
    _shot(page, "phone-04-inbox-unit-returned")
    _open_task(page, server, project_name, title="处理退回意见")
    expect(page.get_by_test_id("opinions")).to_contain_text(reasons["ndrc"])
    _no_sideways_scroll(page, "revise task page")
    _shot(page, "phone-05-task-revise")

    page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "returned")
    table = page.get_by_test_id("opinions")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text(reasons["ndrc"])
    expect(table).to_contain_text("不同意")
    _no_sideways_scroll(page, "project page, returned")
    _shot(page, "phone-06-project-returned")
    assert not unit.console_errors, unit.console_errors
