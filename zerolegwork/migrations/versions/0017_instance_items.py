"""Large multi-instance tasks keep their items outside the engine state (issue 11 item 5).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("item_of", sa.String(36), nullable=True))
        batch.add_column(sa.Column("item_index", sa.Integer(), nullable=True))
    op.create_index(
        "ix_human_task_items",
        "human_task",
        ["instance_id", "item_of", "state"],
        postgresql_where=sa.text("item_of IS NOT NULL"),
        sqlite_where=sa.text("item_of IS NOT NULL"),
    )
    op.create_table(
        "instance_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("mi_guid", sa.String(36), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("human_task_id", sa.Integer(), sa.ForeignKey("human_task.id"), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("instance_id", "mi_guid", "item_index"),
    )


def downgrade():
    op.drop_table("instance_item")
    op.drop_index("ix_human_task_items", table_name="human_task")
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("item_index")
        batch.drop_column("item_of")
