"""Sign in (password, then a TOTP code where required), sign out, and the account-security pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..http import safe_target
from ..i18n import local_time
from . import security
from .models import OrgKind
from .security import (
    AccountLockedError,
    LoginFailedError,
    PasswordPolicyError,
    RateLimitedError,
    RegistrationPendingError,
    SecurityError,
    WrongCodeError,
    WrongPasswordError,
)

bp = Blueprint("orgs", __name__, template_folder="templates")

# Seconds between a right password and the TOTP code before the password must be given again.
PENDING_LOGIN_SECONDS = 300


def _message(exc: SecurityError) -> tuple[str, int]:
    """The Chinese (translated) message and HTTP status for an account-security error."""
    if isinstance(exc, RateLimitedError):
        return _("Too many attempts. Wait %(seconds)d seconds and try again.", seconds=exc.retry_after), 429
    if isinstance(exc, AccountLockedError):
        return _(
            "This account is locked after too many failed attempts. Try again after %(time)s (Beijing time).",
            time=local_time(exc.until),
        ), 403
    if isinstance(exc, WrongCodeError):
        return _("Wrong verification code."), 401
    if isinstance(exc, WrongPasswordError):
        return _("The current password is wrong."), 400
    if isinstance(exc, RegistrationPendingError):
        if exc.state == "rejected":
            return _("Your registration was not approved: %(note)s", note=exc.note or ""), 403
        return _("Your registration is waiting for the region administrator's review."), 403
    if isinstance(exc, PasswordPolicyError):
        return _("The new password does not meet the rules:"), 400
    return _("Wrong user name or password."), 401


def _render(template: str, error: SecurityError | None = None, **context: Any):  # type: ignore[no-untyped-def]
    """Render a page, with the error's message and status (and Retry-After when rate limited)."""
    message, status = _message(error) if error is not None else (None, 200)
    problems = error.problems if isinstance(error, PasswordPolicyError) else []
    response = render_template(template, error=message, problems=problems, **context), status
    if isinstance(error, RateLimitedError):
        return (*response, {"Retry-After": str(error.retry_after)})
    return response


def _new_session() -> None:
    """Start a new session (no data of the old one survives a sign-in), keeping the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _pending_login() -> dict[str, Any] | None:
    """The password step's record, while it is fresh."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict) or utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_LOGIN_SECONDS:
        return None
    return pending


def _back_to_login(message: str) -> Any:
    session.pop("pending_login", None)
    flash(message, "danger")
    return redirect(url_for("orgs.login"))


def _end_session_after_lock(exc: AccountLockedError) -> Any:
    """A lock caused from inside a session (wrong current password) ends that session too."""
    logout_user()
    _new_session()
    flash(_message(exc)[0], "danger")
    return redirect(url_for("orgs.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    if request.method == "GET":
        return _render("orgs/login.html")
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    if not username or not password:
        return _render("orgs/login.html", LoginFailedError())
    try:
        outcome = security.sign_in(username, password, request.remote_addr)
    except SecurityError as exc:
        db.session.commit()  # keep the failure count, the lock and the audit events
        return _render("orgs/login.html", exc)
    db.session.commit()
    _new_session()
    target = safe_target(request.args.get("next")) or url_for("inbox.index")
    if outcome.step is None:
        login_user(outcome.user)
        return redirect(target)
    session["pending_login"] = {
        "user": outcome.user.id,
        "username": outcome.user.username,
        "epoch": outcome.user.session_epoch,
        "step": outcome.step,
        "at": utcnow().timestamp(),
        "next": target,
    }
    return redirect(url_for("orgs.login_totp" if outcome.step == "totp" else "orgs.login_totp_setup"))


def _second_step(step: str) -> Any:
    """Ask for (and check) the TOTP code of a pending sign-in; `step` is "totp" or "totp_setup"."""
    pending = _pending_login()
    if pending is None:
        return _back_to_login(_("The sign-in has expired. Please enter your user name and password again."))
    if pending["step"] != step:
        return redirect(url_for("orgs.login_totp" if pending["step"] == "totp" else "orgs.login_totp_setup"))
    secret = None
    if step == "totp_setup":
        if "secret" not in pending:
            pending["secret"] = security.new_totp_secret()
            session["pending_login"] = pending
        secret = pending["secret"]
    template = "orgs/login_totp.html" if step == "totp" else "orgs/totp_setup.html"
    context: dict[str, Any] = {"during_login": True}
    if secret is not None:
        context.update(secret=secret, uri=security.totp_uri(pending["username"], secret))
    if request.method == "GET":
        return _render(template, **context)
    code = request.form.get("code", "")[:16]
    try:
        user = security.finish_sign_in(pending["user"], pending["epoch"], code, request.remote_addr, secret)
    except SecurityError as exc:
        db.session.commit()
        if isinstance(exc, (AccountLockedError, LoginFailedError)):
            return _back_to_login(_message(exc)[0])
        return _render(template, exc, **context)
    db.session.commit()
    _new_session()
    login_user(user)
    return redirect(pending["next"])


@bp.route("/login/code", methods=["GET", "POST"])
def login_totp():  # type: ignore[no-untyped-def]
    return _second_step("totp")


@bp.route("/login/setup", methods=["GET", "POST"])
def login_totp_setup():  # type: ignore[no-untyped-def]
    return _second_step("totp_setup")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    audit.record("auth.logout", "user", current_user.id, current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("orgs.login"))


@bp.route("/account")
@login_required
def account():  # type: ignore[no-untyped-def]
    return render_template("orgs/account.html", user=current_user, org=current_user.org)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _render("orgs/change_password.html")
    user = current_user._get_current_object()
    form = {name: request.form.get(name, "")[:256] for name in ("current", "new", "repeat")}
    try:
        security.change_password(user, form["current"], form["new"], form["repeat"])
    except SecurityError as exc:
        db.session.commit()
        if isinstance(exc, AccountLockedError):
            return _end_session_after_lock(exc)
        return _render("orgs/change_password.html", exc)
    db.session.commit()
    _new_session()  # the epoch moved on: every other session has ended; this one starts afresh
    login_user(user)
    flash(_("The password was changed. Your other sessions have been signed out."), "success")
    return redirect(url_for("orgs.account"))


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
def totp_setup():  # type: ignore[no-untyped-def]
    secret = session.get("totp_setup")
    if not isinstance(secret, str):
        secret = session["totp_setup"] = security.new_totp_secret()
    context = {"during_login": False, "secret": secret, "uri": security.totp_uri(current_user.username, secret)}
    if request.method == "GET":
        return _render("orgs/totp_setup.html", **context)
    password = request.form.get("password", "")[:256]
    code = request.form.get("code", "")[:16]
    try:
        security.enrol_totp(current_user._get_current_object(), password, secret, code)
    except SecurityError as exc:
        db.session.commit()
        if isinstance(exc, AccountLockedError):
            return _end_session_after_lock(exc)
        return _render("orgs/totp_setup.html", exc, **context)
    db.session.commit()
    session.pop("totp_setup", None)
    flash(_("Two-step verification is set up."), "success")
    return redirect(url_for("orgs.account"))


@bp.route("/account/require-totp", methods=["POST"])
@login_required
def require_totp():  # type: ignore[no-untyped-def]
    if not (current_user.is_admin and current_user.org.kind == OrgKind.DEPARTMENT):
        abort(403)  # permissions.POLICY answers first (404); this keeps the view safe on its own
    required = request.form.get("required") == "1"
    security.set_require_totp(current_user.org, required, current_user._get_current_object())
    db.session.commit()
    if required:
        flash(_("Everyone in your organisation must now give a verification code when signing in."), "success")
    else:
        flash(_("A verification code is no longer required in your organisation."), "success")
    return redirect(url_for("orgs.account"))
