"""Chromium renders the pages in the bundled Noto Sans SC, fetched from the platform, not the machine's fonts.

The sign-in page and the inbox are opened at desktop and phone width; the font pieces the page's characters
need are fetched from /vendor/fonts/ and `document.fonts` says the face is loaded for Chinese text.
Screenshots: test-artifacts/browser/web-font-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import ARTIFACTS, DESKTOP, PHONE, open_session, sign_in
from zerolegwork.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOADED = """async () => {
  await document.fonts.ready;
  const faces = [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'Noto Sans SC' && f.status === 'loaded');
  return {faces: faces.length, check: document.fonts.check('16px "Noto Sans SC"', '项目登记'),
          family: getComputedStyle(document.body).fontFamily};
}"""


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_pages_are_drawn_in_the_bundled_chinese_font(server: str, chromium: Any, width: str):
    s = open_session(chromium, server, **(DESKTOP if width == "desktop" else PHONE))
    fetched: list[str] = []
    s.page.on("response", lambda r: fetched.append(r.url) if "/vendor/fonts/" in r.url and r.ok else None)
    try:
        s.page.goto("/login")
        state = s.page.evaluate(LOADED)
        assert state["family"].startswith('"Noto Sans SC"'), state
        assert state["faces"] >= 1 and state["check"], state
        assert any(u.endswith(".woff2") for u in fetched), fetched
        sign_in(s, "unit1", DEMO_PASSWORD)
        s.page.goto("/")
        state = s.page.evaluate(LOADED)
        assert state["faces"] >= 1, state
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        s.page.screenshot(path=str(ARTIFACTS / f"web-font-inbox-{width}.png"), full_page=True)
        assert not s.problems, s.problems
    finally:
        s.context.close()
