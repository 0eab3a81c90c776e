"""Evidence belongs to its owner: versions numbered per owner's line, withdrawn versions kept and marked.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# a department's upload was its own material; a log photo its entry author's; the rest the unit's
BACKFILL = """
UPDATE attachment SET owner_org_id = CASE
    WHEN slot LIKE 'log\\_%' ESCAPE '\\' THEN org_id
    WHEN (SELECT kind FROM organisation WHERE organisation.id = attachment.org_id) = 'department' THEN org_id
    ELSE (SELECT unit_id FROM project WHERE project.id = attachment.project_id)
END
"""


def upgrade():
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("owner_org_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_attachment_project_id_slot_version", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_attachment_project_id_slot_owner_org_id_version"),
            ["project_id", "slot", "owner_org_id", "version"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attachment_owner_org_id_organisation"), "organisation", ["owner_org_id"], ["id"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_attachment_withdrawn_by_id_user"), "user", ["withdrawn_by_id"], ["id"])


def downgrade():
    # versions of several lines may share a number; renumber per slot before the old constraint returns
    op.execute(
        """
        UPDATE attachment SET version = (
            SELECT COUNT(*) FROM attachment AS a
            WHERE a.project_id = attachment.project_id AND a.slot = attachment.slot AND a.id <= attachment.id
        )
        """
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_attachment_withdrawn_by_id_user"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_attachment_owner_org_id_organisation"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_attachment_project_id_slot_owner_org_id_version"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_attachment_project_id_slot_version"), ["project_id", "slot", "version"]
        )
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("owner_org_id")
