"""零跑腿 Zero-Legwork: the government investment project platform."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import Settings

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> Flask:
    """Create the Flask application from `settings` (default: the ZLW_* environment)."""
    from . import errors, i18n, replica, web
    from .cli import zlw
    from .extensions import babel, csrf, db, login_manager, migrate

    settings = settings or Settings.from_env()
    settings.check()
    app = Flask(__name__)
    app.config.from_mapping(settings.to_flask())
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    db.init_app(app)
    replica.init_app(app)
    if settings.database_url.startswith("sqlite"):
        from sqlalchemy import event

        from .db import sqlite_pragmas

        with app.app_context():
            event.listen(db.engine, "connect", sqlite_pragmas)
    from .db import drop_session

    app.teardown_appcontext(drop_session)  # runs before Flask-SQLAlchemy's: a dead connection is no 500
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app, babel)
    errors.init_app(app)
    web.init_app(app)
    from .dictionaries.services import form_choices
    from .engine.forms import use_choice_source

    use_choice_source(form_choices)  # task forms' dictionary-backed options (项目类别 …) come from 数据字典
    app.cli.add_command(zlw)
    return app
