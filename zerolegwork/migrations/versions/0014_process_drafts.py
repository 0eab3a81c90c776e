"""The web modeler's stored drafts (issue 14 item 2).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "process_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("base_id", sa.Integer(), sa.ForeignKey("process_definition.id"), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("deployed_id", sa.Integer(), sa.ForeignKey("process_definition.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_process_draft_process_id", "process_draft", ["process_id"])


def downgrade():
    op.drop_index("ix_process_draft_process_id", table_name="process_draft")
    op.drop_table("process_draft")
