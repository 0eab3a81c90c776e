"""Seal audit events into a hash chain, and verify it.

Design: rows are written unchained on the hot path and sealed later, in batches.

`record()` runs inside every state-changing transaction (a task completion is 4 statements in
all), so it stays one plain INSERT with the chain columns NULL. Chaining at insert time would need
the previous row's hash, i.e. a lock held from the INSERT to the commit of *every* transaction
that writes an event: all sign-offs of all projects would queue behind one lock, and each would
pay two more statements (lock, read the head). Reading the head without a lock forks the chain
under READ COMMITTED.

`seal()` chains every unsealed row under one lock (`pg_advisory_xact_lock` on PostgreSQL; on
SQLite a write taken first, so SQLite's single writer lock serializes sealers). Each row gets
its chain position `seq` (head + 1, unique), the previous row's hash and its own hash. Rows are
taken in id order, but the chain order is `seq`, not id: on PostgreSQL a transaction can commit
event 100 after event 101 was committed and sealed; 100 is then simply sealed after 101. The
sweep seals every ZLW_SWEEP_INTERVAL seconds; `flask zlw audit seal` seals, `audit verify` seals and
then verifies, and the audit page's button verifies and then seals (no lock held over the read).

hash = sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of
[prev_hash, at as ISO UTC with microseconds, actor_id, on_behalf_of_id, action, object_type,
object_id, detail, address]; the first row's prev_hash is 64 zeros.

`verify()` walks the chain by `seq` and names the first bad row: its content no longer gives its
hash (edited), its `seq` skips a position (a row before it was removed), or its prev_hash is not
the previous row's hash (the previous row was removed or re-hashed). An unsealed row can be
changed without trace until it is sealed; on PostgreSQL the guard trigger (guard.py) refuses
that, and every other UPDATE, DELETE and TRUNCATE. Cutting off the newest sealed rows leaves a
consistent shorter chain, so `audit verify` prints the head (seq and hash) to be kept elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text, update

from ..extensions import db
from .models import AuditEvent

GENESIS = "0" * 64
LOCK_KEY = 0x7A6C_7761  # "zlwa": the advisory lock of the audit chain
T = AuditEvent.__table__
_CONTENT = (
    T.c.at,
    T.c.actor_id,
    T.c.on_behalf_of_id,
    T.c.action,
    T.c.object_type,
    T.c.object_id,
    T.c.detail,
    T.c.address,
)
_HEAD = select(T.c.seq, T.c.hash).where(T.c.seq.is_not(None)).order_by(T.c.seq.desc()).limit(1)
_SEAL = (
    update(T)
    .where(T.c.id == bindparam("b_id"), T.c.seq.is_(None))
    .values(seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), hash=bindparam("b_hash"))
)


def event_hash(
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    on_behalf_of_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Any,
    address: str | None,
) -> str:
    """The sha256 (hex) of one event's canonical serialization, linked to the previous hash."""
    payload = [
        prev_hash,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        actor_id,
        on_behalf_of_id,
        action,
        object_type,
        object_id,
        detail,
        address,
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_row(prev_hash: str, row: Any) -> str:
    return event_hash(
        prev_hash,
        row.at,
        row.actor_id,
        row.on_behalf_of_id,
        row.action,
        row.object_type,
        row.object_id,
        row.detail,
        row.address,
    )


def _take_lock(conn: Connection, wait: bool) -> bool:
    if conn.dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        got = conn.execute(text(f"SELECT {fn}(:key)"), {"key": LOCK_KEY}).scalar()
        return wait or bool(got)
    # SQLite: a write first takes the database's single write lock until commit; reads come after
    conn.execute(update(T).where(text("0")).values(seq=T.c.seq))
    return True


def seal(wait: bool = True, batch: int = 1000) -> int:
    """Chain every unsealed event in id order after the head; return how many (flush only).

    With wait=False, return 0 at once when another transaction is sealing. The caller commits;
    the lock is held until then.
    """
    conn = db.session.connection()
    if not _take_lock(conn, wait):
        return 0
    head = conn.execute(_HEAD).first()
    seq, prev = (head.seq, head.hash or "") if head else (0, GENESIS)
    sealed = 0
    query = select(T.c.id, *_CONTENT).where(T.c.seq.is_(None)).order_by(T.c.id).limit(batch)
    while True:
        rows = conn.execute(query).all()
        params = []
        for row in rows:
            seq += 1
            digest = _hash_row(prev, row)
            params.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
            prev = digest
        if params:
            conn.execute(_SEAL, params)
        sealed += len(rows)
        if len(rows) < batch:
            return sealed


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verify(): OK, or the first bad row and why."""

    checked: int
    head_seq: int
    head_hash: str | None
    unsealed: int
    bad_id: int | None = None
    bad_seq: int | None = None
    reason: str | None = None  # "edited", "removed" or "broken_link"

    @property
    def ok(self) -> bool:
        return self.bad_id is None

    def describe(self) -> str:
        """One line for the CLI and logs."""
        if self.ok:
            return (
                f"OK: {self.checked} event(s) chained; head seq {self.head_seq} hash {self.head_hash or '-'}; "
                f"{self.unsealed} awaiting seal"
            )
        why = {
            "edited": "edited: its content no longer matches its hash",
            "removed": "removed: the row(s) just before it in the chain are missing",
            "broken_link": "broken link: its prev_hash is not the previous row's hash (removed or re-hashed)",
        }[self.reason or "edited"]
        return f"BAD: audit event {self.bad_id} (chain position {self.bad_seq}): {why}"


def verify(batch: int = 2000) -> ChainReport:
    """Walk the sealed chain in order; return the first bad row and why, or OK with the head."""
    conn = db.session.connection()
    rows = conn.execute(
        select(T.c.id, T.c.seq, T.c.prev_hash, T.c.hash, *_CONTENT)
        .where(T.c.seq.is_not(None))
        .order_by(T.c.seq)
        .execution_options(yield_per=batch)
    )
    prev, last_seq, checked = GENESIS, 0, 0
    bad: tuple[int, int, str] | None = None
    for row in rows:
        if row.hash != _hash_row(row.prev_hash or "", row):
            bad = (row.id, row.seq, "edited")
        elif row.seq != last_seq + 1:
            bad = (row.id, row.seq, "removed")
        elif row.prev_hash != prev:
            bad = (row.id, row.seq, "broken_link")
        if bad:
            break
        prev, last_seq = row.hash, row.seq
        checked += 1
    rows.close()
    unsealed = conn.execute(select(func.count()).select_from(T).where(T.c.seq.is_(None))).scalar_one()
    head_hash = prev if last_seq else None
    if bad:
        return ChainReport(checked, last_seq, head_hash, unsealed, bad_id=bad[0], bad_seq=bad[1], reason=bad[2])
    return ChainReport(checked, last_seq, head_hash, unsealed)
