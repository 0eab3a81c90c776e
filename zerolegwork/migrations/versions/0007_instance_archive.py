"""Instance archive: called processes that finished leave the live engine state (issue 17).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "instance_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_guid", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instance.id"], name=op.f("fk_instance_archive_instance_id_process_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_archive")),
        sa.UniqueConstraint("instance_id", "task_guid", name=op.f("uq_instance_archive_instance_id_task_guid")),
    )
    with op.batch_alter_table("instance_archive", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instance_archive_instance_id"), ["instance_id"], unique=False)


def downgrade():
    with op.batch_alter_table("instance_archive", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instance_archive_instance_id"))
    op.drop_table("instance_archive")
