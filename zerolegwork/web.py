"""Wire blueprints, sign-in, idle timeout, the vendor asset route and post-commit job dispatch."""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from flask import Flask, abort, redirect, request, send_from_directory, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from . import headers, jobs, permissions
from .db import utcnow
from .extensions import db, login_manager
from .http import back_from_referrer

log = logging.getLogger(__name__)

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
VENDOR_FILES = {
    "bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "bpmn-viewer.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "bpmn-modeler.js": "bpmn-js/dist/bpmn-modeler.production.min.js",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-font.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
    "bpmn-font.woff2": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2",
    "dmn-modeler.js": "dmn-js/dist/dmn-modeler.production.min.js",
    "dmn-js-shared.css": "dmn-js/dist/assets/dmn-js-shared.css",
    "dmn-js-decision-table.css": "dmn-js/dist/assets/dmn-js-decision-table.css",
    "dmn-js-decision-table-controls.css": "dmn-js/dist/assets/dmn-js-decision-table-controls.css",
    "dmn-js-drd.css": "dmn-js/dist/assets/dmn-js-drd.css",
    "dmn-font.css": "dmn-js/dist/assets/dmn-font/css/dmn.css",
    "dmn-font.woff2": "dmn-js/dist/assets/dmn-font/font/dmn.woff2",
}

# The bundled Chinese web font (Noto Sans SC, SIL OFL 1.1, from @fontsource): regular and bold, cut by the
# package into ~100 unicode-range pieces of which a browser fetches only those a page uses. Only these files
# are served: a stylesheet per weight and its woff2/woff pieces.
FONT_DIR = NODE_MODULES / "@fontsource" / "noto-sans-sc"
FONT_FILE = re.compile(r"(?:400|700)\.css|files/noto-sans-sc-[0-9a-z-]+-(?:400|700)-normal\.woff2?")


def init_app(app: Flask) -> None:
    from .audit.views import bp as audit_bp
    from .depts.views import bp as depts_bp
    from .experts.views import bp as experts_bp
    from .inbox.views import bp as inbox_bp
    from .notify.services import unread_count
    from .orgs.models import User
    from .orgs.views import bp as orgs_bp
    from .projects.transfer_views import bp as transfer_bp
    from .projects.views import bp as projects_bp
    from .registration.views import bp as registration_bp
    from .workdays.views import bp as workdays_bp

    app.register_blueprint(orgs_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(depts_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(experts_bp)
    from .experts.panel_views import bp as panels_bp

    app.register_blueprint(panels_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(workdays_bp)
    from .processes import repair_views  # noqa: F401  (the 异常处理 routes join the same blueprint)
    from .processes.modeler_views import bp as processes_bp  # views' bp with the modeler's routes added

    app.register_blueprint(processes_bp)
    from .dictionaries.views import bp as dictionaries_bp

    app.register_blueprint(dictionaries_bp)
    from .calls.views import bp as calls_bp

    app.register_blueprint(calls_bp)
    from .reviews import steps as review_steps
    from .reviews.views import bp as reviews_bp

    review_steps.register()
    app.register_blueprint(reviews_bp)
    from .review_library import models as library_models  # noqa: F401  (the library's tables join the metadata)
    from .review_library.views import bp as library_bp

    app.register_blueprint(library_bp)
    from .orders import steps as order_steps
    from .orders.views import bp as orders_bp

    order_steps.register()
    app.register_blueprint(orders_bp)
    from .funds.views import bp as funds_bp

    app.register_blueprint(funds_bp)
    from .exchange import capture as exchange_capture  # noqa: F401  (changes become outbound messages)
    from .exchange.views import bp as exchange_bp

    app.register_blueprint(exchange_bp)
    from .files.views import bp as files_bp

    app.register_blueprint(files_bp)
    from .notify.views import bp as notify_bp
    from .records import models as records_models  # noqa: F401  (the record tables join the metadata)

    app.register_blueprint(notify_bp)
    # more blueprints: files, records, project library
    # blueprint: reports (overview, fixed tables, charts)
    from .reports.fixed.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    # blueprint: composer (self-composed reports)
    from .reports.composer.views import bp as composer_bp

    app.register_blueprint(composer_bp)
    # blueprint: project_reports (PDF)
    from .reports.pdf.views import bp as project_reports_bp

    app.register_blueprint(project_reports_bp)
    # blueprint: api
    from .api import init_app as init_api

    init_api(app)  # blueprint, CSRF exemption, token sign-in (before permissions.check_request)

    app.register_blueprint(transfer_bp)

    login_manager.login_view = "orgs.login"
    login_manager.login_message = _l("Please sign in first.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, epoch = session_id.partition(":")
        if not user_id.isdigit() or not epoch.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # a bumped epoch (account disabled, password changed) ends every older session at once
        if user is None or user.session_epoch != int(epoch) or not user.is_active:
            return None
        return user

    @app.before_request
    def idle_timeout() -> object:
        if current_user.is_authenticated:
            last = session.get("seen")
            now = utcnow().timestamp()
            limit = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
            if last is not None and now - float(last) > limit:
                logout_user()
                session.clear()
                return redirect(url_for("orgs.login", next=request.path))
            session["seen"] = now
            session.permanent = True
        return None

    permissions.init_app(app)
    headers.init_app(app)

    @app.after_request
    def run_committed_jobs(response):  # type: ignore[no-untyped-def]
        try:
            jobs.dispatch_committed()
        except SQLAlchemyError as exc:
            # the request's work is committed and its jobs are pending rows: the relay sends them later,
            # so a database gone away right after the commit must not turn a done sign-off into a 500
            log.warning("jobs of a committed request stay in the outbox: %s", exc)
            with suppress(SQLAlchemyError):
                db.session.rollback()
        return response

    @app.context_processor
    def layout_context() -> dict[str, object]:
        unread = waiting = 0
        if current_user.is_authenticated:
            from .inbox.services import ready_count

            unread = unread_count(
                current_user.org.code, user_id=current_user.id, seen_id=current_user.notifications_seen_id
            )
            waiting = ready_count(current_user)
        return {"unread_notifications": unread, "inbox_waiting": waiting, "has_endpoint": _has_endpoint}

    @app.route("/vendor/<name>")
    def vendor(name: str):  # type: ignore[no-untyped-def]
        rel = VENDOR_FILES.get(name)
        if rel is None or not (NODE_MODULES / rel).is_file():
            abort(404)
        return send_from_directory(NODE_MODULES, rel, max_age=int(timedelta(days=1).total_seconds()))

    @app.route("/vendor/fonts/noto-sans-sc/<path:rel>")
    def vendor_font(rel: str):  # type: ignore[no-untyped-def]
        if not FONT_FILE.fullmatch(rel) or not (FONT_DIR / rel).is_file():
            abort(404)
        return send_from_directory(FONT_DIR, rel, max_age=int(timedelta(days=30).total_seconds()))

    @app.route("/lang/<code>", methods=["POST"])
    def set_language(code: str):  # type: ignore[no-untyped-def]
        from .i18n import LOCALES

        if code in LOCALES:
            session["lang"] = code
        return redirect(back_from_referrer() or url_for("inbox.index"))

    @app.route("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        db.session.execute(db.text("SELECT 1"))
        return {"ok": True}


def _has_endpoint(name: str) -> bool:
    """Whether a route is registered (templates link to optional pages only when they exist)."""
    from flask import current_app

    return name in current_app.view_functions
