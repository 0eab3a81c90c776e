"""Process administration (issue 14): the analyst flag, who deployed a version and its change note, migration batches.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("is_analyst", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("process_definition") as batch_op:
        batch_op.add_column(sa.Column("deployed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_foreign_key("fk_process_definition_deployed_by", "user", ["deployed_by_id"], ["id"])


    op.create_table(
        "migration_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("process_definition.id"), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("instance_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )


def downgrade():
    op.drop_table("migration_batch")
    with op.batch_alter_table("process_definition") as batch_op:
        batch_op.drop_constraint("fk_process_definition_deployed_by", type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("deployed_by_id")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("is_analyst")
