"""The flow nodes each instance has visited, kept when loops are pruned from its state (issue 14, impact analysis).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_instance") as batch_op:
        batch_op.add_column(sa.Column("visited", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_instance") as batch_op:
        batch_op.drop_column("visited")
