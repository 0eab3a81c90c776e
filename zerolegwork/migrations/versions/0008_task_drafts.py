"""Task drafts: what a user typed into a task's form, kept on the server until they submit it (issue 12).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "task_draft",
        sa.Column("human_task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["human_task_id"], ["human_task.id"], name=op.f("fk_task_draft_human_task_id_human_task")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_task_draft_user_id_user")),
        sa.PrimaryKeyConstraint("human_task_id", "user_id", name=op.f("pk_task_draft")),
    )


def downgrade():
    op.drop_table("task_draft")
