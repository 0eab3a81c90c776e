"""The data exchange API: bearer tokens of outside systems, read endpoints, the budget arrangement import.

How a call is authorized: requests under /api/ neither read nor write the session cookie, so a signed-in
browser has no standing there (and CSRF cannot ride on it); the API's own gate, which runs before
permissions.check_request, checks the bearer token and its scope and signs the token's user in for this
request only (flask-login's login_user into the unsaved API session). POLICY and project_scope then apply
to that user unchanged. A remember-me cookie cannot stand in for the token either: the gate decides the
user before anything reads current_user.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import login_user

from .models import TokenScope

# set by the session interface: the request came with the session cookie of a signed-in browser
BROWSER_SESSION = "zerolegwork.api.browser_session"
# endpoints that need more than the `read` scope
SCOPES = {"api.import_arrangements": TokenScope.BUDGET_WRITE, "api.import_payments": TokenScope.BUDGET_WRITE}


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


class ApiSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for the pages; an empty, never saved session for /api/ (a token is the only credential)."""

    def open_session(self, app: Flask, request: Request) -> Any:
        session = super().open_session(app, request)
        if not is_api_path(request.path):
            return session
        request.environ[BROWSER_SESSION] = bool(session and session.get("_user_id"))
        return self.session_class()

    def save_session(self, app: Flask, session: SessionMixin, response: Any) -> None:
        if is_api_path(request.path):
            return
        super().save_session(app, session, response)


def authenticate_request() -> Any:
    """Check the bearer token of an API call and its scope; answer 401/403 JSON when they do not do."""
    from ..extensions import db
    from ..permissions import POLICY, Rule
    from . import tokens
    from .errors import ApiError, ScopeError, TokenError, error_response

    if request.blueprint != "api":
        return None
    # the request's user is the token's and nobody else's: forget a user an enclosing app context cached
    g.pop("api_token", None)
    g.pop("_login_user", None)
    if POLICY.get(request.endpoint or "") == Rule.PUBLIC:
        return None
    header = request.headers.get("Authorization")
    try:
        if not header and request.environ.get(BROWSER_SESSION):
            raise TokenError("browser_session")
        token = tokens.authenticate(header)
        needed = SCOPES.get(request.endpoint or "", TokenScope.READ)
        if needed not in token.scopes:
            raise ScopeError(needed)
    except ApiError as exc:
        db.session.rollback()
        return error_response(exc)
    g.api_token = token
    # signed in for this request only: the API's session is never saved (ApiSessionInterface)
    login_user(token.user)
    if tokens.touch(token):
        db.session.commit()
    return None


def init_app(app: Flask) -> None:
    """Register the API blueprint, exempt it from CSRF, and authenticate its calls by token only."""
    from ..extensions import csrf, login_manager
    from .views import bp

    app.register_blueprint(bp)
    csrf.exempt(bp)
    if type(app.session_interface) is not SecureCookieSessionInterface:
        raise RuntimeError("the API expects Flask's cookie session interface")
    app.session_interface = ApiSessionInterface()
    app.before_request(authenticate_request)
    # a call the access policy refuses for want of a user answers 401, not a redirect to the sign-in page
    login_manager.blueprint_login_views["api"] = None  # type: ignore[assignment]
