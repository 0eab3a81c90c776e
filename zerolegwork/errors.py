"""Every domain error mapped once: to what happens to the request's work, an HTTP status and a Chinese message.

`HANDLED` is the one registry. Each entry names an error type, what becomes of the request's
unfinished work (rolled back, rolled back with a refusal audited, or kept) and how to answer it.
Domains own their messages (`files/errors.py`, `inbox/errors.py`, `api/errors.py`); this module
owns the engine's and the projects' and answers every one through `respond()`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa
from werkzeug.exceptions import HTTPException

from .api.errors import ApiError, error_response
from .audit import services as audit
from .db import drop_session
from .engine.errors import (
    ChainError,
    ConcurrentUpdateError,
    EngineError,
    InstanceIncidentError,
    NotAllowedToActError,
    ProcessNotDeployedError,
    ScriptCapacityError,
    TaskNotFoundError,
    TaskNotReadyError,
)
from .engine.scripting import caused_by_limit
from .extensions import db
from .files import errors as files
from .http import wants_json
from .inbox.errors import CountersignError, DraftTooLargeError, TaskClaimedError
from .orgs.security import RateLimitedError
from .projects.errors import ProjectNotFoundError, ProjectStateError, WithdrawRefusedError


class Work(StrEnum):
    """What becomes of the request's unfinished work when an error answers it."""

    ROLLBACK = "rollback"
    REFUSED = "refused"  # rolled back, and one audit event says who was refused what
    KEEP = "keep"  # committed: an incident's mark, a rate-limit counter
    LEAVE = "leave"  # neither: a refusal before the view did anything (a bad form token, an unknown page)
    DROP = "drop"  # the database went away: roll back what can be, and drop the session and its connection


# The database is unreachable or dropped the connection (restart, pg_terminate_backend, failover, pool
# exhausted): the transaction is lost, nothing of it was written; answered 503 and retried by the user.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.PendingRollbackError,
    sa.TimeoutError,
)
RETRY_AFTER_SECONDS = 5


def _state(state: str) -> str:
    return {"completed": _("completed"), "cancelled": _("cancelled")}.get(state, state)


def engine_message(exc: Exception) -> tuple[int, str]:
    """The status and message of an engine error."""
    if isinstance(exc, (TaskNotFoundError, NotAllowedToActError)):
        return 404, _("The task does not exist, or you may not see it.")
    if isinstance(exc, TaskNotReadyError) and exc.state == "suspended":
        return 409, _("The process administrator has suspended this matter; its tasks come back when it is resumed.")
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
    if isinstance(exc, ChainError):
        return 409, {
            "first_level": _("This is the first step; there is no earlier step to return to."),
            "already_in_chain": _("That post is already among the next steps of this task."),
            "foreign_post": _("Choose a post of your own department."),
        }.get(exc.reason, _("Something went wrong."))
    if isinstance(exc, ScriptCapacityError):
        return 503, _(
            "The approval rules cannot be run just now because the server is busy. "
            "Nothing was saved; please try again in a moment."
        )
    if isinstance(exc, ProcessNotDeployedError):
        return 503, _("This approval process is not deployed yet. Ask an administrator to run the deployment.")
    return 500, _("Something went wrong.")


def project_message(exc: Exception) -> tuple[int, str]:
    """The status and message of a project error."""
    if isinstance(exc, ProjectNotFoundError):
        return 404, _("The project does not exist, or you may not see it.")
    if isinstance(exc, WithdrawRefusedError):
        return 409, _("A department has already started on this submission; it can no longer be withdrawn.")
    return 409, _("The project cannot do this in its current state.")


def _own_message(exc: Exception) -> tuple[int, str]:
    """Errors that carry their own message (the inbox's): a conflict with what someone else did."""
    if isinstance(exc, DraftTooLargeError):
        return 413, exc.message()
    assert isinstance(exc, (TaskClaimedError, CountersignError))
    return 409, exc.message()


def _api_response(exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


def _rate_limited(exc: Exception) -> Response:
    assert isinstance(exc, RateLimitedError)
    message = _("Too many attempts. Wait %(seconds)d seconds and try again.", seconds=exc.retry_after)
    response = respond(429, message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _database_unavailable(exc: Exception) -> Response:
    """503 without touching the database again: no layout (its menu reads the user and the inbox)."""
    message = _(
        "The database cannot be reached just now. Nothing of this request was saved; please try again in a moment."
    )
    if wants_json():
        response = jsonify(error=message, status=503)
    else:
        page = current_app.jinja_env.get_template("unavailable.html")
        again = request.full_path if request.method == "GET" else "/"
        response = make_response(page.render(status=503, message=message, again=again, lang=get_locale().language))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _http_message(exc: Exception) -> tuple[int, str]:
    assert isinstance(exc, HTTPException)
    messages = {
        400: _("The request was not understood. Reload the page and try again."),
        403: _("You may not do this."),
        404: _("The page does not exist, or you may not see it."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Wait a moment and try again."),
    }
    return exc.code or 500, messages.get(exc.code or 500, exc.description or "")


def _http_work(exc: Exception) -> Work:
    assert isinstance(exc, HTTPException)
    # anonymous 404s and unrouted URLs are noise (and a way to flood the table): not recorded
    if exc.code == 403 or (exc.code == 404 and request.endpoint is not None and current_user.is_authenticated):
        return Work.REFUSED
    return Work.LEAVE


@dataclass(frozen=True)
class Handled:
    """One registered error: what becomes of the work, and its answer (a message, or a whole response)."""

    error: type[Exception]
    work: Work | Callable[[Exception], Work]
    message: Callable[[Exception], tuple[int, str]] | None = None
    response: Callable[[Exception], Response] | None = None


# The first entry whose type matches answers, so narrower types come before broader ones.
HANDLED: tuple[Handled, ...] = (
    Handled(InstanceIncidentError, Work.KEEP, engine_message),
    Handled(TaskNotFoundError, Work.REFUSED, engine_message),
    Handled(NotAllowedToActError, Work.REFUSED, engine_message),
    Handled(EngineError, Work.ROLLBACK, engine_message),
    Handled(ProjectNotFoundError, Work.REFUSED, project_message),
    Handled(ProjectStateError, Work.ROLLBACK, project_message),
    Handled(WithdrawRefusedError, Work.ROLLBACK, project_message),
    Handled(files.AttachmentNotFoundError, Work.REFUSED, files.message_for),
    Handled(files.EvidenceOwnerError, Work.REFUSED, files.message_for),
    Handled(files.EvidenceOnRecordError, Work.ROLLBACK, files.message_for),
    Handled(files.UploadError, Work.ROLLBACK, files.message_for),
    Handled(TaskClaimedError, Work.ROLLBACK, _own_message),
    Handled(CountersignError, Work.ROLLBACK, _own_message),
    Handled(DraftTooLargeError, Work.ROLLBACK, _own_message),
    Handled(ApiError, Work.ROLLBACK, response=_api_response),
    Handled(RateLimitedError, Work.KEEP, response=_rate_limited),
    *(Handled(error, Work.DROP, response=_database_unavailable) for error in DATABASE_UNAVAILABLE),
    Handled(CSRFError, Work.LEAVE, lambda exc: (400, _("The form expired. Reload the page and submit again."))),
    Handled(HTTPException, _http_work, _http_message),
)


def entry_for(exc: Exception) -> Handled | None:
    """The registry's entry for an error, or None when it is not a domain error."""
    return next((h for h in HANDLED if isinstance(exc, h.error)), None)


def message_for(exc: Exception) -> tuple[int, str]:
    """Return the HTTP status and the user-facing message for a domain error."""
    entry = entry_for(exc)
    if entry is None or entry.message is None:
        return 500, _("Something went wrong.")
    return entry.message(exc)


def respond(status: int, message: str) -> Response:
    """Answer with a status and a message: JSON for the API and JSON clients, else the error page."""
    if wants_json():
        response = jsonify(error=message, status=status)
    else:
        response = make_response(render_template("error.html", status=status, message=message))
    response.status_code = status
    return response


def record_refusal(reason: str) -> None:
    """Keep one audit event for a refused request; drop the request's unfinished work."""
    db.session.rollback()
    audit.record_refused(request.path, reason)
    db.session.commit()


def _settle(exc: Exception, work: Work) -> None:
    if work is Work.KEEP:
        db.session.commit()
    elif work is Work.REFUSED:
        reason = str(exc.code) if isinstance(exc, HTTPException) else type(exc).__name__
        record_refusal(reason)
    elif work is Work.ROLLBACK:
        db.session.rollback()
    elif work is Work.DROP:
        with suppress(sa.SQLAlchemyError):  # the connection is gone: nothing is left to roll back
            db.session.rollback()
        drop_session()


def handle(exc: Exception) -> Any:
    """The one error handler: settle the request's work, then answer from the registry."""
    entry = entry_for(exc)
    if entry is None:  # registered types only reach here; keep Flask's own answer otherwise
        raise exc
    _settle(exc, entry.work if isinstance(entry.work, Work) else entry.work(exc))
    if entry.response is not None:
        return entry.response(exc)
    return respond(*message_for(exc))


def init_app(app: Flask) -> None:
    """Register the one handler for every type in the registry."""
    for entry in HANDLED:
        app.register_error_handler(entry.error, handle)
