"""Write audit events."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from ..db import utcnow
from ..extensions import db
from .models import AuditEvent

_INSERT = insert(AuditEvent.__table__)


def record(action: str, object_type: str, object_id: object, actor_id: int | None = None, **detail: Any) -> None:
    """Insert one audit event in the current transaction (the caller commits)."""
    db.session.connection().execute(
        _INSERT,
        [
            {
                "at": utcnow(),
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "actor_id": actor_id,
                "detail": detail,
                "address": request.remote_addr if has_request_context() else None,
            }
        ],
    )
