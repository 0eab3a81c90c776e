"""The reports engine: report reads may run on a read replica (ZLW_REPORTS_DATABASE_URL); writes never do.

With the setting empty there is one engine and `reports_reads()` changes nothing. With it set, the
application holds a second engine (`init_app`, read-only on PostgreSQL), and a plain SELECT that
`db.session` runs inside `reports_reads()` goes there — lazy loads and the engine's state reads of a
project report included. A flush, a SELECT … FOR UPDATE and anything outside the block go to the
primary, so an export's audit event and a batch's rows are written where they are read back. A
replica lags its primary by a few seconds: a report may be that much behind, and nothing may read its
own write through the block (the report code writes only after its reads, and reads back only outside
the block).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import Select, create_engine
from sqlalchemy.engine import Connection, Engine

# app.extensions key of the reports engine. Not a Flask-SQLAlchemy bind: a bind key would add a metadata
# to the shared `db`, and db.create_all() of any later application without the setting would fail on it.
ENGINE = "zlw.reports_engine"
ROUTE = "zlw.reports_reads"  # Session.info key: set while a block's reads go to the reports engine


def _is_plain_select(clause: Any) -> bool:
    return isinstance(clause, Select) and clause._for_update_arg is None


class RoutingSession(Session):
    """db.session's class: a plain SELECT inside `reports_reads()` runs on the reports engine."""

    def get_bind(
        self,
        mapper: Any | None = None,
        clause: Any | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        """The reports engine for a block's plain SELECTs; Flask-SQLAlchemy's choice (the primary) otherwise."""
        if bind is None and self.info.get(ROUTE) and not self._flushing and _is_plain_select(clause):
            return current_app.extensions[ENGINE]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def init_app(app: Flask) -> None:
    """Create the reports engine when ZLW_REPORTS_DATABASE_URL is set: the primary's options, read-only."""
    url = app.config["ZLW"].reports_database_url
    if not url:
        return
    options: dict[str, Any] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if url.startswith("postgresql"):
        options["execution_options"] = {"postgresql_readonly": True}  # a stray write fails, even on the primary
    app.extensions[ENGINE] = create_engine(url, **options)


def reports_engine() -> Engine | None:
    """The engine report reads run on when ZLW_REPORTS_DATABASE_URL is set; None when they read the primary."""
    return current_app.extensions.get(ENGINE)


@contextmanager
def reports_reads() -> Iterator[None]:
    """Run the block's SELECTs on the reports engine (usable as a decorator); a no-op when the setting is empty."""
    from .extensions import db

    if ENGINE not in current_app.extensions:
        yield
        return
    session = db.session()
    before = session.info.get(ROUTE)
    session.info[ROUTE] = True
    try:
        yield
    finally:
        session.info[ROUTE] = before
