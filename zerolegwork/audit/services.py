"""Write audit events; read them back for auditors; seal and check the chain."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased

from ..db import utcnow
from ..extensions import db
from ..i18n import SHANGHAI
from ..orgs.models import User
from . import chain, describe
from .models import AuditEvent

_INSERT = insert(AuditEvent.__table__)
# session.info key of the audit events waiting in a batched() block
_BATCH = "zlw_audit_batch"

# the common actions, as auditors read them
ACTIONS: dict[str, Any] = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.locked": _l("Account locked"),
    "auth.logout": _l("Signed out"),
    "task.complete": _l("Handled a task"),
    "instance.start": _l("Started a process"),
    "instance.incident": _l("Process incident"),
    "instance.timer": _l("Timer fired"),
    "instance.retry": _l("Retried an incident"),
    "instance.retry_failed": _l("Retried an incident; it failed again"),
    "instance.suspend": _l("Suspended a process"),
    "instance.resume": _l("Resumed a process"),
    "instance.skip": _l("Skipped a failed step"),
    "instance.data_edited": _l("Edited a process's data"),
    "instance.terminated": _l("Terminated a process"),
    "job.retry": _l("Retried a failed background job"),
    "project.submit": _l("Submitted a project"),
    "project.state": _l("Project state changed"),
    "process.deploy": _l("Deployed a process"),
    "access.refused": _l("Access refused"),
    "org.register": _l("Registered"),
    "org.approve": _l("Registration approved"),
    "org.reject": _l("Registration rejected"),
    "audit.verify": _l("Audit chain checked"),
    "task.level": _l("Signed at a level"),
    "org.create": _l("Organisation created"),
    "user.create": _l("Account created"),
    "user.add": _l("Person added by the department"),
    "project.share": _l("Project shared with a district"),
    "project.withdraw": _l("Submission withdrawn"),
    "instance.cancel": _l("Process stopped"),
    "calendar.set": _l("Holiday calendar day set"),
    "calendar.clear": _l("Holiday calendar day cleared"),
    "calendar.seed": _l("Official holiday schedule loaded"),
    "task.return_level": _l("Returned to the previous step"),
    "task.add_signer": _l("Signer added"),
    "task.claim": _l("Task claimed"),
    "task.release": _l("Task released"),
    "auth.rate_limited": _l("Rate limited"),
    "auth.password_changed": _l("Changed the password"),
    "auth.totp_enrolled": _l("Set up a one-time code"),
    "org.require_totp": _l("One-time codes required"),
    "user.disabled": _l("Account disabled"),
    "org.unit_add": _l("Internal unit added"),
    "org.level_add": _l("Management level added"),
    "org.post_add": _l("Post added"),
    "org.post_assign": _l("Appointed to a post"),
    "org.post_unassign": _l("Removed from a post"),
    "org.chain": _l("Chain of posts set"),
    "substitution.add": _l("Substitute appointed"),
    "substitution.revoke": _l("Substitute revoked"),
    "expert.add": _l("Expert added"),
    "expert.update": _l("Expert changed"),
    "project.register": _l("Project registered"),
    "project.functions": _l("Project functions chosen"),
    "project.start": _l("Project processes started"),
    "project.log": _l("Construction log entry"),
    "project.import": _l("Projects imported"),
    "project.export": _l("Projects exported"),
    "project.engage": _l("Agency engaged"),
    "project.engagement_end": _l("Agency engagement ended"),
    "file.upload": _l("File uploaded"),
    "instance.data": _l("Process data updated"),
    "task.countersign_request": _l("Countersign requested"),
    "task.countersign": _l("Countersigned"),
    "task.escalate": _l("Overdue task escalated"),
    "transaction.retried": _l("Saved again after a simultaneous change"),
    "report.project_pdf": _l("Project report generated"),
    "report.batch": _l("Project reports batch started"),
    "report.batch_download": _l("Project reports downloaded"),
    "report.export": _l("Report exported"),
    "report_definition.create": _l("Report definition saved"),
    "report_definition.update": _l("Report definition changed"),
    "report_definition.delete": _l("Report definition deleted"),
    "budget.arrange": _l("Budget arranged (finance system)"),
    "api_token.create": _l("API token issued"),
    "api_token.revoke": _l("API token revoked"),
    "project.planned_investment": _l("Planned investment followed the approved investment plan"),
}


def record(
    action: str,
    object_type: str,
    object_id: object,
    actor_id: int | None = None,
    *,
    on_behalf_of_id: int | None = None,
    **detail: Any,
) -> None:
    """Insert one unsealed audit event in the current transaction (the caller commits).

    One prebuilt INSERT and nothing else: this runs inside every task completion. State changes
    pass `before=` and `after=`; they land in `detail` with any other facts. Inside `batched()`
    the event waits and is written with the batch's others in one statement.
    """
    row = {
        "at": utcnow(),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "actor_id": actor_id,
        "on_behalf_of_id": on_behalf_of_id,
        "detail": detail,
        "address": request.remote_addr if has_request_context() else None,
    }
    pending = db.session.info.get(_BATCH)
    if pending is not None:
        pending.append(row)
        return
    db.session.connection().execute(_INSERT, [row])


@contextmanager
def batched() -> Iterator[None]:
    """Write the audit events recorded inside in one statement when the block ends (one round trip).

    A block that raises still writes them (an incident's mark and its event are committed by the
    error handler), unless the database itself failed. Nested blocks join the outer one.
    """
    if db.session.info.get(_BATCH) is not None:
        yield
        return
    pending: list[dict[str, Any]] = []
    db.session.info[_BATCH] = pending
    try:
        yield
    except SQLAlchemyError:
        raise
    except BaseException:
        _write(pending)
        raise
    else:
        _write(pending)
    finally:
        db.session.info.pop(_BATCH, None)


def _write(pending: list[dict[str, Any]]) -> None:
    db.session.info.pop(_BATCH, None)
    if pending:
        db.session.connection().execute(_INSERT, pending)


def record_refused(path: str, reason: str) -> None:
    """Record that the current request was refused (404 for what the user may not see, 403 …)."""
    from flask_login import current_user

    actor_id = None
    if has_request_context() and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    method = request.method if has_request_context() else None
    record("access.refused", "path", path[:64], actor_id, reason=str(reason)[:200], path=path[:500], method=method)


@dataclass(frozen=True)
class EventFilter:
    """What an auditor narrows the log down to; empty fields do not filter."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> EventFilter:
        """Read the filter from query-string arguments; ignore what does not parse."""

        def text_arg(name: str, size: int = 64) -> str:
            return (args.get(name) or "").strip()[:size]

        return cls(
            actor=text_arg("actor", 100),
            action=text_arg("action"),
            object_type=text_arg("object_type", 40),
            object_id=text_arg("object_id"),
            date_from=_parse_date(args.get("date_from")),
            date_to=_parse_date(args.get("date_to")),
        )

    def query_args(self) -> dict[str, str]:
        """The non-empty fields as query-string arguments (for the pager's links)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def _shanghai_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)


@dataclass(frozen=True)
class EventRow:
    """One event as the audit page shows it."""

    id: int
    at: datetime
    actor: str
    on_behalf_of: str
    action: str
    action_label: str
    object_type: str
    object_id: str
    summary: str
    detail_json: str
    address: str
    sealed: bool
    # the detail as labelled values, and the object's kind, name and link (audit/describe.py)
    lines: tuple[describe.Line, ...] = ()
    object_ref: describe.ObjectRef | None = None


@dataclass(frozen=True)
class ChainStatus:
    """How far the chain is sealed, and the last check's outcome (an audit.verify event)."""

    sealed: int
    last_sealed_id: int | None
    unsealed: int
    checked_at: datetime | None
    check_ok: bool | None
    check_bad_id: int | None
    check_reason: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[EventRow]
    total: int
    status: ChainStatus


def browse(filters: EventFilter, page: int, per_page: int = 50) -> AuditPage:
    """One page of events, newest first, with the chain's status."""
    actor = aliased(User)
    behalf = aliased(User)
    where = []
    if filters.actor:
        needle = f"%{filters.actor}%"
        where.append(actor.username.ilike(needle) | actor.display_name.ilike(needle))
    if filters.action:
        where.append(AuditEvent.action == filters.action)
    if filters.object_type:
        where.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        where.append(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        where.append(AuditEvent.at >= _shanghai_midnight(filters.date_from))
    if filters.date_to:
        where.append(AuditEvent.at < _shanghai_midnight(filters.date_to + timedelta(days=1)))
    counted = select(func.count()).select_from(AuditEvent)
    if filters.actor:
        counted = counted.join(actor, AuditEvent.actor_id == actor.id)
    total = db.session.scalar(counted.where(*where)) or 0
    stmt = (
        select(AuditEvent, actor.display_name, actor.username, behalf.display_name)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
        .outerjoin(behalf, AuditEvent.on_behalf_of_id == behalf.id)
        .where(*where)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [_row(*found) for found in db.session.execute(stmt)]
    refs = describe.object_refs([(r.object_type, r.object_id) for r in rows])
    rows = [replace(r, object_ref=refs.get((r.object_type, r.object_id))) for r in rows]
    return AuditPage(rows, total, chain_status())


def _row(event: AuditEvent, actor_name: str | None, actor_username: str | None, behalf_name: str | None) -> EventRow:
    detail = event.detail or {}
    return EventRow(
        id=event.id,
        at=event.at,
        actor=f"{actor_name} ({actor_username})" if actor_name else "",
        on_behalf_of=behalf_name or "",
        action=event.action,
        action_label=describe.action_label(event.action),
        object_type=event.object_type,
        object_id=event.object_id,
        summary=summarize(detail),
        detail_json=json.dumps(detail, ensure_ascii=False, sort_keys=True, indent=1, default=str),
        address=event.address or "",
        sealed=event.seq is not None,
        lines=tuple(describe.detail_lines(detail)),
    )


def _short(value: Any, limit: int = 40) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize(detail: Mapping[str, Any], limit: int = 120) -> str:
    """A one-line digest of an event's detail: `before → after` first, then key=value pairs."""
    parts = []
    if "before" in detail or "after" in detail:
        parts.append(f"{_short(detail.get('before'))} → {_short(detail.get('after'))}")
    parts += [f"{key}={_short(value)}" for key, value in sorted(detail.items()) if key not in ("before", "after")]
    line = "; ".join(parts)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def chain_status() -> ChainStatus:
    """Sealed count and head, unsealed count, and the newest audit.verify outcome."""
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.id)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    unsealed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))) or 0
    check = db.session.execute(
        select(AuditEvent.at, AuditEvent.detail)
        .where(AuditEvent.action == "audit.verify")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    detail = (check.detail or {}) if check else {}
    return ChainStatus(
        sealed=head.seq if head else 0,
        last_sealed_id=head.id if head else None,
        unsealed=unsealed,
        checked_at=check.at if check else None,
        check_ok=detail.get("ok") if check else None,
        check_bad_id=detail.get("bad_id"),
        check_reason=detail.get("reason"),
    )


def check_chain(actor_id: int | None = None) -> chain.ChainReport:
    """Verify the sealed chain, then seal what waits, and record the outcome (flush only).

    Verifying first keeps the seal lock (on SQLite, the database's write lock) off the long read;
    the caller's commit right after releases it.
    """
    report = chain.verify()
    chain.seal(wait=False)
    record(
        "audit.verify",
        "audit_chain",
        report.head_seq,
        actor_id,
        ok=report.ok,
        checked=report.checked,
        head_hash=report.head_hash,
        bad_id=report.bad_id,
        reason=report.reason,
    )
    return report
