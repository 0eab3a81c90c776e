"""Column types and helpers shared by every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def is_postgres() -> bool:
    """Tell whether the bound database is PostgreSQL."""
    from .extensions import db

    return db.engine.dialect.name == "postgresql"


def sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers work while one writer commits; NORMAL sync is safe under WAL; enforce FKs."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def drop_session(exc: BaseException | None = None) -> None:
    """Remove the request's session even when its connection died under it (restart, pg_terminate_backend).

    Closing a session rolls its transaction back; on a connection the server has terminated that
    rollback raises, and raised at the end of a request it turns an answered request into a 500. The
    dead connection is invalidated (the pool opens a new one next time) and the session forgotten.
    Registered as the app's last teardown (teardowns run in reverse), so it runs before
    Flask-SQLAlchemy's own, which then finds nothing to close. `exc` is the teardown's argument.
    """
    from contextlib import suppress

    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db

    try:
        db.session.remove()
    except SQLAlchemyError:
        with suppress(SQLAlchemyError):  # past this, nothing more can be done with it: forgetting it is enough
            db.session.registry().invalidate()  # the session that failed to close, still in the registry
        db.session.registry.clear()
