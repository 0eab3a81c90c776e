"""Dictionaries (issue 13 item 2): the classifications as data, seeded with the shipped defaults.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    from zerolegwork.dictionaries.defaults import shipped

    table = op.create_table(
        "dictionary_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.UniqueConstraint("kind", "code", name="uq_dictionary_entry_kind_code"),
        sa.UniqueConstraint("kind", "name", name="uq_dictionary_entry_kind_name"),
    )
    op.create_index("ix_dictionary_entry_kind", "dictionary_entry", ["kind"])
    op.bulk_insert(table, shipped())


def downgrade():
    op.drop_index("ix_dictionary_entry_kind", table_name="dictionary_entry")
    op.drop_table("dictionary_entry")
