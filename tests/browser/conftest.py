"""The browser tests' shared fixtures: one live server and one Chromium per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import launched_chromium, require_browser, running_server


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
