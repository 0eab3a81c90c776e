"""An HTTP client of the stack: signs in as a demo user (with the form's CSRF token) and submits and signs.

Every call goes through the pages a person uses, so what it sees is what a browser would get:
`status` and `elapsed` of the last answer are kept for the benchmarks.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import requests

from zerolegwork.demo import DEMO_PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK_RE = re.compile(r'href="/tasks/(\d+)"')

# the demo's department people and their organisation codes (one 经办岗 each)
SIGNERS = {"finance": "finance1", "ndrc": "ndrc1", "environment": "env1", "housing": "housing1"}


@dataclass
class Answer:
    """One request: the page it was for, its status and how long it took (seconds)."""

    page: str
    status: int
    elapsed: float
    text: str = field(repr=False, default="")


class Client:
    """One signed-in person against the stack's base URL."""

    def __init__(self, base_url: str, username: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.timeout = timeout
        self.http = requests.Session()
        self.answers: list[Answer] = []

    def request(self, page: str, method: str, path: str, **kwargs: object) -> Answer:
        """One request, timed and kept; redirects are not followed (a 302 after a POST is success)."""
        started = time.perf_counter()
        try:
            resp = self.http.request(
                method, self.base_url + path, timeout=self.timeout, allow_redirects=False, **kwargs
            )  # type: ignore[arg-type]
            answer = Answer(page, resp.status_code, time.perf_counter() - started, resp.text)
        except requests.RequestException as exc:
            answer = Answer(page, 0, time.perf_counter() - started, str(exc))
        self.answers.append(answer)
        return answer

    def token(self, path: str) -> str:
        """The CSRF token of a page's form ("" when the page did not come: a fault, an error page)."""
        found = CSRF_RE.search(self.request("form", "GET", path).text)
        return found.group(1) if found else ""

    def post(self, page: str, path: str, data: dict[str, str], token_from: str = "/") -> Answer:  # noqa: S107 - a page path
        """GET the form's page for its token, then POST; a page that did not come is that request's answer."""
        token = self.token(token_from)
        if not token:
            return self.answers[-1]
        return self.request(page, "POST", path, data={**data, "csrf_token": token})

    def login(self, password: str = DEMO_PASSWORD) -> None:
        token = self.token("/login")
        if not token:
            raise RuntimeError(f"the sign-in page did not come ({self.answers[-1].status})")
        answer = self.request(
            "login", "POST", "/login", data={"username": self.username, "password": password, "csrf_token": token}
        )
        if answer.status != 302:
            raise RuntimeError(f"{self.username} could not sign in ({answer.status})")

    def inbox(self, process: str = "") -> list[int]:
        """The ids of the tasks the inbox offers (read from its links), of one process when named."""
        answer = self.request("inbox", "GET", f"/?process={process}" if process else "/")
        return sorted({int(i) for i in TASK_RE.findall(answer.text)}) if answer.status == 200 else []

    def submit(self, project_id: int) -> Answer:
        """The unit submits a draft project for the departments' joint sign-off."""
        return self.post("submit", f"/projects/{project_id}/submit", {}, token_from=f"/projects/{project_id}")

    def sign(self, task_id: int, decision: str = "approve", opinion: str = "同意。") -> Answer:
        """A department completes its sign-off task."""
        return self.post("sign", f"/tasks/{task_id}", {"decision": decision, "opinion": opinion}, f"/tasks/{task_id}")

    def report(self) -> Answer:
        return self.request("report", "GET", "/reports/")

    def projects(self) -> Answer:
        return self.request("projects", "GET", "/projects/")
