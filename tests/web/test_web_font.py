"""The bundled Chinese web font: every page links it, its pieces are served, nothing else under its route is."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_settings
from zerolegwork import create_app
from zerolegwork.web import FONT_DIR


@pytest.fixture
def client(tmp_path):
    return create_app(make_settings(f"sqlite:///{tmp_path / 'f.db'}")).test_client()


def test_the_login_page_links_both_weights_of_the_font_and_uses_it_first(client):
    html = client.get("/login").get_data(as_text=True)
    assert '/vendor/fonts/noto-sans-sc/400.css"' in html
    assert '/vendor/fonts/noto-sans-sc/700.css"' in html
    assert re.search(r"--bs-body-font-family:\s*\"Noto Sans SC\"", html)


def test_each_piece_named_by_the_stylesheet_is_served_as_a_font(client):
    css = client.get("/vendor/fonts/noto-sans-sc/400.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    pieces = re.findall(r"url\(\./(files/[^)]+\.woff2)\)", css.get_data(as_text=True))
    assert len(pieces) > 50  # cut by unicode range: a page fetches only the pieces its characters need
    first = client.get(f"/vendor/fonts/noto-sans-sc/{pieces[0]}")
    assert first.status_code == 200
    assert first.data[:4] == b"wOF2"
    assert first.headers["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize(
    "rel",
    [
        "package.json",
        "LICENSE",
        "../bootstrap/package.json",
        "files/../../../../etc/passwd",
        "files/noto-sans-sc-0-900-normal.woff2",  # a weight the pages do not use
        "files/absent-400-normal.woff2",
        "%2e%2e/bootstrap/dist/css/bootstrap.min.css",
    ],
)
def test_nothing_but_the_used_font_files_is_served(client, rel):
    assert client.get(f"/vendor/fonts/noto-sans-sc/{rel}").status_code == 404


def test_the_font_package_is_installed_with_its_licence():
    assert (FONT_DIR / "LICENSE").is_file()
    assert "SIL Open Font License" in (FONT_DIR / "LICENSE").read_text()
