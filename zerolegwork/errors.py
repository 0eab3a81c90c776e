"""Map domain errors once to HTTP status codes and Chinese (translated) messages."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .audit import services as audit
from .engine.errors import (
    ChainError,
    ConcurrentUpdateError,
    EngineError,
    InstanceIncidentError,
    NotAllowedToActError,
    ProcessNotDeployedError,
    TaskNotFoundError,
    TaskNotReadyError,
)
from .engine.scripting import caused_by_limit
from .extensions import db
from .orgs.security import RateLimitedError
from .projects.errors import ProjectNotFoundError, ProjectStateError, WithdrawRefusedError


def _record_refusal(reason: str) -> None:
    """Keep one audit event for a refused request; drop the request's unfinished work."""
    db.session.rollback()
    audit.record_refused(request.path, reason)
    db.session.commit()


def message_for(exc: Exception) -> tuple[int, str]:
    """Return the HTTP status and the user-facing message for a domain error."""
    if isinstance(exc, (TaskNotFoundError, NotAllowedToActError)):
        return 404, _("The task does not exist, or you may not see it.")
    if isinstance(exc, TaskNotReadyError):
        return 409, _("This task has already been handled (%(state)s). Refresh your inbox.", state=_state(exc.state))
    if isinstance(exc, ConcurrentUpdateError):
        return 409, _("Someone else changed this matter at the same moment. Nothing was saved; please try again.")
    if isinstance(exc, InstanceIncidentError) and caused_by_limit(exc):
        return 409, _(
            "A rule of this approval process ran past its time or memory limit and was stopped; the matter "
            "was marked as an incident (no. %(id)s) and nothing was half-saved. An administrator has been told.",
            id=exc.instance_id,
        )
    if isinstance(exc, InstanceIncidentError):
        return 409, _(
            "A rule of this approval process failed; the matter was marked as an incident (no. %(id)s) "
            "and nothing was half-saved. An administrator has been told.",
            id=exc.instance_id,
        )
    if isinstance(exc, ProjectNotFoundError):
        return 404, _("The project does not exist, or you may not see it.")
    if isinstance(exc, WithdrawRefusedError):
        return 409, _("A department has already started on this submission; it can no longer be withdrawn.")
    if isinstance(exc, ProjectStateError):
        return 409, _("The project cannot do this in its current state.")
    if isinstance(exc, ChainError):
        return 409, {
            "first_level": _("This is the first step; there is no earlier step to return to."),
            "already_in_chain": _("That post is already among the next steps of this task."),
            "foreign_post": _("Choose a post of your own department."),
        }.get(exc.reason, _("Something went wrong."))
    if isinstance(exc, ProcessNotDeployedError):
        return 503, _("This approval process is not deployed yet. Ask an administrator to run the deployment.")
    return 500, _("Something went wrong.")


def _state(state: str) -> str:
    return {"completed": _("completed"), "cancelled": _("cancelled")}.get(state, state)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(status: int, message: str):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError):  # type: ignore[no-untyped-def]
        if isinstance(exc, InstanceIncidentError):
            db.session.commit()  # keep the incident mark and its audit event
        elif isinstance(exc, (TaskNotFoundError, NotAllowedToActError)):
            _record_refusal(type(exc).__name__)
        else:
            db.session.rollback()
        return _respond(*message_for(exc))

    @app.errorhandler(ProjectNotFoundError)
    @app.errorhandler(ProjectStateError)
    @app.errorhandler(WithdrawRefusedError)
    def project_error(exc: Exception):  # type: ignore[no-untyped-def]
        if isinstance(exc, ProjectNotFoundError):
            _record_refusal(type(exc).__name__)
        else:
            db.session.rollback()
        return _respond(*message_for(exc))

    @app.errorhandler(RateLimitedError)
    def rate_limited(exc: RateLimitedError):  # type: ignore[no-untyped-def]
        db.session.commit()  # keep the counter and its audit event
        response, status = _respond(
            429, _("Too many attempts. Wait %(seconds)d seconds and try again.", seconds=exc.retry_after)
        )
        response = make_response(response, status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        # anonymous 404s and unrouted URLs are noise (and a way to flood the table): not recorded
        if exc.code == 403 or (exc.code == 404 and request.endpoint is not None and current_user.is_authenticated):
            _record_refusal(str(exc.code))
        messages = {
            400: _("The request was not understood. Reload the page and try again."),
            403: _("You may not do this."),
            404: _("The page does not exist, or you may not see it."),
            405: _("This action is not allowed here."),
            413: _("The upload is too large."),
            429: _("Too many attempts. Wait a moment and try again."),
        }
        return _respond(exc.code or 500, messages.get(exc.code or 500, exc.description or ""))
