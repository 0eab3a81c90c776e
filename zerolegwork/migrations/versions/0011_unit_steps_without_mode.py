"""A project unit's own steps carry no approval mode (审批/核准/备案 is what departments do; issue 12 item 3).

Tasks created before this revision took the default mode 审批 on the unit's steps too, so the inbox
showed them a kind badge and the sweeps could treat them as a department's approval. New tasks of
the unit are created without one (engine/steps.py); this clears it on the rows already there.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE human_task SET mode = NULL WHERE mode IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM project JOIN organisation ON organisation.id = project.unit_id "
        "WHERE project.id = human_task.project_id AND organisation.code = human_task.org_code)"
    )


def downgrade():
    # before this revision every task had a mode, the unit's the default one
    op.execute("UPDATE human_task SET mode = 'approval' WHERE mode IS NULL")
