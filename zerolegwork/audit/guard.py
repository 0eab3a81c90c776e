"""Make audit_event append-only on PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE.

A trigger binds every role that does not own the table or cannot alter triggers, unlike a REVOKE,
which the table's owner (usually the application's role, since it runs the migrations) ignores.
The one UPDATE allowed is sealing (audit.chain.seal): setting seq, prev_hash and hash of a row
not yet sealed, its content unchanged. Call install_pg_guard from a migration after audit_event
exists (remove_pg_guard on downgrade); both do nothing on other databases.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

INSTALL = [
    """
CREATE OR REPLACE FUNCTION zlw_audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
           AND (NEW.id, NEW.at, NEW.actor_id, NEW.on_behalf_of_id, NEW.action, NEW.object_type,
                NEW.object_id, CAST(NEW.detail AS text), NEW.address)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.at, OLD.actor_id, OLD.on_behalf_of_id, OLD.action, OLD.object_type,
                OLD.object_id, CAST(OLD.detail AS text), OLD.address) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$
""",
    "DROP TRIGGER IF EXISTS zlw_audit_event_append_only ON audit_event",
    """
CREATE TRIGGER zlw_audit_event_append_only
BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION zlw_audit_event_append_only()
""",
    "DROP TRIGGER IF EXISTS zlw_audit_event_no_truncate ON audit_event",
    """
CREATE TRIGGER zlw_audit_event_no_truncate
BEFORE TRUNCATE ON audit_event
FOR EACH STATEMENT EXECUTE FUNCTION zlw_audit_event_append_only()
""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC",
]

REMOVE = [
    "DROP TRIGGER IF EXISTS zlw_audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS zlw_audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS zlw_audit_event_append_only()",
]


def install_pg_guard(connection: Connection) -> None:
    """Create the append-only trigger function and its row and TRUNCATE triggers (idempotent)."""
    if connection.dialect.name != "postgresql":
        return
    for statement in INSTALL:
        connection.execute(text(statement))


def remove_pg_guard(connection: Connection) -> None:
    """Drop the triggers and their function (for a downgrade, or a test that must truncate)."""
    if connection.dialect.name != "postgresql":
        return
    for statement in REMOVE:
        connection.execute(text(statement))
