"""The browser tests' shared fixtures: one live server and one Chromium per test module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.support import Session, launched_chromium, open_session, require_browser, running_server, sign_in
from zerolegwork.demo import DEMO_PASSWORD


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """`make run`'s server on a scratch database, started once for the module (its name in the folder's)."""
    require_browser()
    name = request.module.__name__.rsplit(".", 1)[-1].replace("_", "-")
    with running_server(prefix=f"zlw-{name}-") as base:
        yield base


@pytest.fixture(scope="module")
def chromium(server: str) -> Iterator[Any]:
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def session(server: str, chromium: Any) -> Iterator[Callable[..., Session]]:
    """session(username, **context_options): that user's signed-in context, opened once per test.

    (A module may define its own `session` with other rules, as the accounts tests do.)

    At teardown the test fails if any context saw a console error or a 5xx response.
    """
    opened: dict[str, Session] = {}

    def do(username: str, **options: Any) -> Session:
        if username not in opened:
            s = open_session(chromium, server, **options)
            opened[username] = s
            sign_in(s, username, DEMO_PASSWORD)
        return opened[username]

    yield do
    problems = [f"{user}: {p}" for user, s in opened.items() for p in s.problems]
    for s in opened.values():
        s.context.close()
    assert not problems, "console errors or failed responses:\n" + "\n".join(problems)
