"""Small request helpers every view shares: the page argument and the one rule for where a redirect may go."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def page_arg(limit: int = 100_000) -> int:
    """The `page` query argument as a page number from 1 to `limit` (anything else reads as 1)."""
    try:
        return max(1, min(int(request.args.get("page", 1)), limit))
    except ValueError:
        return 1


def wants_json() -> bool:
    """Whether the request asks for JSON: the API, or a page's script (`Accept: application/json`)."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def safe_target(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host, however spelled), else None.

    Refused: absolute and scheme-relative URLs (`//host`), backslashes (browsers read `/\\host` as
    `//host`), control characters and anything with a scheme or a host.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def back_from_referrer() -> str | None:
    """The path of the page the request came from, when that page is on this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_target(parts.path + (f"?{parts.query}" if parts.query else ""))
