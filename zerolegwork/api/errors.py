"""What can go wrong on the data exchange API; api/views.py maps each to a status and a Chinese message."""

from __future__ import annotations

from typing import Any


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


class TokenIssueError(ApiError):
    """A token cannot be issued: `reason` is unknown_org, inactive_org, unknown_user, foreign_user, scope, days."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
