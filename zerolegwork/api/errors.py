"""What can go wrong on the data exchange API; api/views.py maps each to a status and a Chinese message."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _


class ApiError(Exception):
    """A refused API request."""


class TokenError(ApiError):
    """No usable token: `reason` is missing, malformed, unknown, revoked, expired, inactive or browser_session."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ScopeError(ApiError):
    """The token lacks the scope an endpoint needs."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class BadRequestError(ApiError):
    """The request itself is malformed: query arguments or a body that is not what the endpoint reads."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("bad request")
        self.errors = errors


class ArrangementError(ApiError):
    """Budget arrangements refused as a whole; `errors` maps the item's index (text) to its field messages."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]) -> None:
        super().__init__(f"{len(errors)} item(s) refused")
        self.errors = errors


class ArrangementInvalidError(ArrangementError):
    """Some items are not valid arrangements (422)."""


class ArrangementConflictError(ArrangementError):
    """Some items contradict an arrangement already kept under the same project, year and document (409)."""


class PaymentRowsError(ApiError):
    """Payments refused as a whole (422); `errors` maps the item's index (text, 0-based) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(f"{len(errors)} item(s) refused")
        self.errors = errors


class TokenIssueError(ApiError):
    """A token cannot be issued: `reason` is unknown_org, inactive_org, unknown_user, foreign_user, scope, days."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def error_response(exc: ApiError) -> Response:
    """The JSON answer to a refused API request: status, Chinese message, per-field or per-item errors."""
    status, message = message_for(exc)
    body: dict[str, Any] = {"error": message, "status": status}
    if isinstance(exc, BadRequestError | ArrangementError | PaymentRowsError):
        body["errors"] = exc.errors
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="zerolegwork"'
    return response


def message_for(exc: ApiError) -> tuple[int, str]:
    """The HTTP status and the Chinese message of a refused API request."""
    if isinstance(exc, TokenError):
        if exc.reason == "browser_session":
            return 403, _("The API does not take a browser session; send a token (Authorization: Bearer <token>).")
        return 401, {
            "malformed": _("The Authorization header is not a bearer token of this platform."),
            "unknown": _("The token is not known."),
            "revoked": _("The token was revoked."),
            "expired": _("The token has expired."),
            "inactive": _("The account the token acts as is disabled."),
        }.get(exc.reason, _("The API needs a token: send the header Authorization: Bearer <token>."))
    if isinstance(exc, ScopeError):
        return 403, _("The token may not do this: it lacks the scope %(scope)s.", scope=exc.scope)
    if isinstance(exc, ArrangementInvalidError):
        return 422, _("Nothing was imported: %(n)s item(s) are not valid; see errors.", n=len(exc.errors))
    if isinstance(exc, ArrangementConflictError):
        return 409, _(
            "Nothing was imported: %(n)s item(s) contradict arrangements already kept; see errors.", n=len(exc.errors)
        )
    if isinstance(exc, PaymentRowsError):
        return 422, _("Nothing was entered: %(n)s payment(s) are not valid; see errors.", n=len(exc.errors))
    return 400, _("The request is not what this endpoint reads; see errors.")
