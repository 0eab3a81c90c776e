"""Helpers for the audit tests: write events, read the chain, tamper behind the application's back."""

from __future__ import annotations

from sqlalchemy import select, text

from zerolegwork.audit import chain, services
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db


def write_events(count: int, prefix: str = "e") -> None:
    """Record `count` project state changes and commit."""
    for i in range(count):
        services.record("project.state", "project", i, None, before="draft", after=f"{prefix}{i}")
    db.session.commit()


def seal_all() -> int:
    """Seal and commit; return how many were sealed."""
    count = chain.seal()
    db.session.commit()
    return count


def sealed_chain() -> list[AuditEvent]:
    """Every sealed event in chain order."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)))


def all_ids() -> list[int]:
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def set_detail(event_id: int, detail_json: str) -> None:
    """Edit one row's detail with a raw UPDATE."""
    cast = "CAST(:d AS json)" if db.engine.dialect.name == "postgresql" else ":d"
    db.session.execute(
        text(f"UPDATE audit_event SET detail = {cast} WHERE id = :id"), {"d": detail_json, "id": event_id}
    )
    db.session.commit()


def delete_row(event_id: int) -> None:
    """Remove one row with a raw DELETE."""
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": event_id})
    db.session.commit()
