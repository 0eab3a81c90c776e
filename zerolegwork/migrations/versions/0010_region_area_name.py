"""The name a region's tables print as 项目地区 (包头市 for the city whose own projects are 市本级) (issue 13).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("region") as batch_op:
        batch_op.add_column(sa.Column("area_name", sa.String(length=50), nullable=True))


def downgrade():
    with op.batch_alter_table("region") as batch_op:
        batch_op.drop_column("area_name")
