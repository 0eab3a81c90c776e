"""Audit rows are append-only on PostgreSQL: a trigger refuses UPDATE (but the one-time seal), DELETE, TRUNCATE.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from zerolegwork.audit.guard import install_pg_guard, remove_pg_guard

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    install_pg_guard(op.get_bind())


def downgrade():
    remove_pg_guard(op.get_bind())
