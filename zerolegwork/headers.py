"""Security headers on every response: no framing, no sniffing, a nonce-based CSP on pages, HSTS in production.

A response that already names its own stricter header (attachments: `Content-Security-Policy:
sandbox`) keeps it; the defaults only fill in what is missing.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, has_request_context, request

# Inline style attributes are used in the templates, and bpmn-js and ECharts inject styles: styles
# stay 'unsafe-inline'. Scripts come only from this origin or carry the request's nonce.
CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
NONCE_KEY = "zerolegwork.csp_nonce"
HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def csp_nonce() -> str:
    """This request's script nonce (one per request, made on first use; any value outside a request).

    Kept in the request's environ, not in `g`: an application context may outlive many requests.
    """
    if not has_request_context():
        return secrets.token_urlsafe(16)
    return str(request.environ.setdefault(NONCE_KEY, secrets.token_urlsafe(16)))


def add_security_headers(response: Response) -> Response:
    """Fill in the security headers a response does not set itself."""
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    # only HTML runs scripts; JSON, downloads and static files need no policy of their own
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    if current_app.config["ZLW"].env == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.add_template_global(csp_nonce)
    app.after_request(add_security_headers)
