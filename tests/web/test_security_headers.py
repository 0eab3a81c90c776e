"""Security headers: no framing or sniffing anywhere, a nonce-based CSP on pages, HSTS only in production."""

from __future__ import annotations

import io
import re
import uuid

import lxml.html
import pytest

from tests.conftest import ROOT, make_settings
from tests.files import samples
from zerolegwork import create_app
from zerolegwork.headers import HSTS

DIRECTIVES = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NONCE = re.compile(r"^'self' 'nonce-([A-Za-z0-9_-]{16,})'$")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
# a <script> that runs its own text: neither loaded from a file nor a JSON data block
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)


def policy(resp) -> dict[str, str]:
    header = resp.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def nonce_of(resp) -> str:
    match = NONCE.match(policy(resp)["script-src"])
    assert match, policy(resp)["script-src"]
    return match.group(1)


def assert_page_headers(resp) -> None:
    assert resp.mimetype == "text/html"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert policy(resp) | {"script-src": ""} == DIRECTIVES | {"script-src": ""}
    nonce_of(resp)
    assert "Strict-Transport-Security" not in resp.headers  # ZLW_ENV=test


def test_a_signed_in_page_carries_every_security_header(client, login, people):
    login("unit1")
    resp = client.get("/")
    assert resp.status_code == 200
    assert_page_headers(resp)


def test_the_login_page_carries_them_too(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert_page_headers(resp)


def test_an_error_page_carries_them_too(client, login, people):
    login("unit1")
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert_page_headers(resp)


def test_the_api_answers_json_with_frame_and_nosniff_headers_and_no_page_policy(client):
    resp = client.get("/api/v1/projects")
    assert resp.status_code == 401 and resp.mimetype == "application/json"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in resp.headers


def test_an_attachment_keeps_its_own_sandbox_policy(client, login, people):
    from zerolegwork.extensions import db
    from zerolegwork.files import services

    unit1, project = people["users"]["unit1"], people["projects"][0]
    attachment = services.upload(unit1, project.id, "misc", "报告.pdf", io.BytesIO(samples.PDF))
    db.session.commit()
    login("unit1")
    for path in (f"/files/{attachment.id}/download", f"/files/{attachment.id}/preview"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["Content-Security-Policy"] == "sandbox"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_only_in_production(tmp_path, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    settings = make_settings(f"sqlite:///{tmp_path / 'prod.db'}", env="production")
    settings.secret_key = "production-secret-" + uuid.uuid4().hex  # at least 32 characters
    production = create_app(settings).test_client()
    for path in ("/login", "/healthz"):
        resp = production.get(path)
        assert resp.headers["Strict-Transport-Security"] == HSTS, path
    assert policy(production.get("/login"))["frame-ancestors"] == "'none'"


def test_the_nonce_is_new_on_every_request_and_is_on_the_page_scripts(client):
    first, second = client.get("/login"), client.get("/login")
    assert nonce_of(first) != nonce_of(second)
    for resp in (first, second):
        scripts = lxml.html.fromstring(resp.get_data(as_text=True)).xpath("//script")
        assert scripts and all(s.get("nonce") == nonce_of(resp) for s in scripts)


def test_a_page_with_a_diagram_and_charts_runs_no_inline_script(client, login, people):
    from zerolegwork.extensions import db
    from zerolegwork.projects.life import start_lifecycle

    unit1, project = people["users"]["unit1"], people["projects"][0]
    start_lifecycle(unit1, project.id)
    db.session.commit()
    login("unit1")
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    assert doc.xpath('//*[@data-testid="lifecycle-diagram"]') and doc.xpath('//*[@data-testid="project-charts"]')
    for script in doc.xpath("//script"):
        assert script.get("src") or script.get("type") == "application/json", lxml.html.tostring(script)
    assert not INLINE_HANDLER.search(html) and "javascript:" not in html


TEMPLATES = sorted((ROOT / "zerolegwork").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(p.relative_to(ROOT)) for p in TEMPLATES])
def test_no_template_has_an_inline_handler_or_script(path):
    """The CSP blocks them: handlers go in static/app.js (data-confirm, data-tick-all), code in static/."""
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(ROOT)
    for pattern, what in (
        (INLINE_HANDLER, "an inline event handler"),
        (re.compile("javascript:", re.IGNORECASE), "a javascript: URL"),
        (INLINE_SCRIPT, "an inline <script>"),
    ):
        match = pattern.search(text)
        assert match is None, f"{where} line {text.count(chr(10), 0, match.start()) + 1} has {what}: {match.group(0)!r}"
