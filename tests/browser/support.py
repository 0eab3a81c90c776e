"""Shared pieces for browser tests: a `flask zlw serve` on a free port, Debian's Chromium, sessions.

Nothing here is a pytest fixture: a test module wraps `running_server()` and `launched_chromium()` in
its own module-scoped fixtures, so modules do not depend on each other's fixtures.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import service_missing

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
# Console errors that are not ours: dmn-js's production bundle carries Inferno's development build, which
# says so with console.error when the script loads (bpmn-io/dmn-js#965, open upstream).
KNOWN_NOISE = ("It looks like you're using a minified copy of the development build of Inferno",)
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# base URL of a running_server() -> its SQLite database file (a test may prepare data in it in-process)
DATABASES: dict[str, Path] = {}


def require_browser() -> None:
    """Skip (or fail under ZLW_REQUIRE_SERVICES=1) when Chromium or Playwright for Python is missing."""
    if not Path(CHROMIUM).exists():
        service_missing("Chromium at " + CHROMIUM, "the file does not exist")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        service_missing("Playwright for Python", exc)


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


@contextmanager
def running_server(prefix: str = "zlw-browser-") -> Iterator[str]:
    """`flask zlw serve` on a free port with a fresh SQLite database and demo data; yields the base URL."""
    import pytest

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
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
                pytest.fail(f"the server did not answer /healthz in {STARTUP_TIMEOUT:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.2)  # polling for start-up, not waiting on the page
        DATABASES[base] = tmp / "browser.db"
        yield base
    finally:
        DATABASES.pop(base, None)
        _stop(proc)
        if os.environ.get("ZLW_KEEP_BROWSER_TMP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """One headless Chromium (Debian's build, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Session:
    """One browser context (so one server session): its page, the dialogs accepted, the problems seen.

    `problems`: console errors, page errors and 5xx responses. `console_errors`: the same, stricter on
    responses: any status from 400 up except 422 (a form coming back with its errors) and /favicon.ico.
    """

    context: Any
    page: Any
    base: str
    dialogs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def open_session(browser: Any, base: str, **options: Any) -> Session:
    """A fresh Chinese-locale context that accepts every confirm() and records console errors and failed
    responses (see `Session`)."""
    context = browser.new_context(base_url=base, locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    session = Session(context, page, base)

    def on_dialog(dialog: Any) -> None:
        session.dialogs.append(dialog.message)
        dialog.accept()

    def on_console(message: Any) -> None:
        # A failed load is reported with its address and status by on_response; the console line has none.
        if message.type == "error" and not message.text.startswith(("Failed to load resource", *KNOWN_NOISE)):
            session.problems.append(f"console: {message.text}")
            session.console_errors.append(f"console: {message.text}")

    def on_page_error(exc: Any) -> None:
        session.problems.append(f"page error: {exc}")
        session.console_errors.append(f"page error: {exc}")

    def on_response(response: Any) -> None:
        failed = f"{response.status} {response.request.method} {response.url}"
        if response.status >= 500:
            session.problems.append(failed)
        if response.status >= 400 and response.status != 422 and not response.url.endswith("/favicon.ico"):
            session.console_errors.append(failed)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    return session


def fill_login(session: Session, username: str, password: str) -> None:
    """Open /login and submit the user name and password (the outcome is for the caller to check)."""
    page = session.page
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def sign_in(session: Session, username: str, password: str) -> None:
    """Sign in and wait for the inbox."""
    from playwright.sync_api import expect

    fill_login(session, username, password)
    expect(session.page).to_have_url(session.base + "/")
    expect(session.page.get_by_test_id("whoami")).to_have_count(1)


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


# --- helpers for the lifecycle and joint-approval browser tests (tests added alongside them) ---------

FLASH_TASK_DONE = "已提交，已流转到下一环节"


def open_inbox_task(session: Session, project_name: str, task_title: str, heading: str | None = None) -> int:
    """From the inbox, open the one waiting task `task_title` of the project; returns the task id.

    `heading` is the form's title the task page shows (its h1), when it differs from the task title.
    """
    from playwright.sync_api import expect

    page = session.page
    page.goto("/")
    row = page.get_by_test_id("task-row").filter(has_text=project_name).filter(has_text=task_title)
    expect(row).to_have_count(1)
    task_id = int(row.get_attribute("data-task-id") or 0)
    row.get_by_role("link", name="办理").click()
    expect(page).to_have_url(f"{session.base}/tasks/{task_id}")
    expect(page.locator("main h1")).to_have_text(heading or task_title)
    return task_id


def submit_task(session: Session, project_name: str, task_title: str) -> None:
    """Press the task form's submit button; the flash says the matter moved on and the row is gone."""
    from playwright.sync_api import expect

    page = session.page
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    expect(page.locator(".alert-success")).to_contain_text(FLASH_TASK_DONE)
    row = page.get_by_test_id("task-row").filter(has_text=project_name).filter(has_text=task_title)
    expect(row).to_have_count(0)


def wait_for_diagram(page: Any, testid: str = "diagram", timeout: float = 20_000) -> str:
    """Wait until the bpmn-js viewer has drawn the diagram (its script sets data-ready); returns data-ready.

    data-ready holds the ids of the active elements (space separated) or "error" when it could not draw.
    """
    selector = f'[data-testid="{testid}"][data-ready]'
    page.wait_for_selector(selector, state="attached", timeout=timeout)
    ready = str(page.locator(selector).get_attribute("data-ready"))
    if ready == "error":
        why = page.evaluate(_DIAGRAM_WHY, testid)
        if "no diagram to display" in why:
            why += " (the BPMN file served has no bpmndi:BPMNDiagram, i.e. no layout to draw)"
        raise AssertionError(f"the {testid} could not be drawn: {why}")
    return ready


# Fetch the diagram again and import it into a detached viewer, to say why the page's viewer failed.
_DIAGRAM_WHY = """async (testid) => {
  const box = document.querySelector(`[data-testid="${testid}"]`);
  try {
    const r = await fetch(box.dataset.url, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
    if (!r.ok) { return `GET ${box.dataset.url} answered ${r.status}`; }
    const body = await r.json();
    await new BpmnJS({container: document.createElement('div')}).importXML(body.xml);
    return 'it imports now (a timing problem?)';
  } catch (e) { return `bpmn-js: ${e && e.message ? e.message : e}`; }
}"""


def submit_for_signoff(unit: Session, project_name: str) -> None:
    """The unit submits its project for the joint sign-off (the project page's form, posted directly)."""
    page = unit.page
    page.goto("/projects/")
    page.get_by_role("link", name=project_name, exact=True).click()
    project_id = int(page.url.rsplit("/", 1)[1])
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    response = page.request.post(f"/projects/{project_id}/submit", form={"csrf_token": str(token)})
    assert response.ok, f"submitting for joint sign-off answered {response.status}"
