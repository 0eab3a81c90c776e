"""The exchange log with the finance system: outbound messages and their attempts (issue 16 item 4).

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op


revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exchange_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("key", name="uq_exchange_message_key"),
    )
    op.create_index("ix_exchange_message_project_id", "exchange_message", ["project_id"])
    op.create_index("ix_exchange_message_due", "exchange_message", ["state", "next_attempt_at"])
    op.create_table(
        "exchange_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("exchange_message.id"), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("request_body", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_exchange_attempt_message_id", "exchange_attempt", ["message_id"])


def downgrade():
    op.drop_index("ix_exchange_attempt_message_id", table_name="exchange_attempt")
    op.drop_table("exchange_attempt")
    op.drop_index("ix_exchange_message_due", table_name="exchange_message")
    op.drop_index("ix_exchange_message_project_id", table_name="exchange_message")
    op.drop_table("exchange_message")
