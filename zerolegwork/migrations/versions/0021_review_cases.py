"""Review cases: one application to a call under the eleven-step review process (issue 15 item 2).

Revision ID: 0021
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op


revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("project_call.id"), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("call_application.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("review_centre_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("review_panel.id"), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("score", sa.Numeric(8, 2), nullable=True),
        sa.Column("verdict", sa.String(30), nullable=True),
        sa.Column("recommended_amount", sa.Numeric(16, 4), nullable=True),
        sa.Column("opinion", sa.String(5000), nullable=True),
        sa.Column("concluded_at", sa.DateTime(), nullable=True),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("manifest_sha256", sa.String(64), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("application_id", name="uq_review_case_application_id"),
    )
    op.create_index("ix_review_case_call_id", "review_case", ["call_id"])
    op.create_index("ix_review_case_project_id", "review_case", ["project_id"])
    op.create_index("ix_review_case_instance_id", "review_case", ["instance_id"])
    op.create_index("ix_review_case_state", "review_case", ["state"])


def downgrade():
    op.drop_index("ix_review_case_state", table_name="review_case")
    op.drop_index("ix_review_case_instance_id", table_name="review_case")
    op.drop_index("ix_review_case_project_id", table_name="review_case")
    op.drop_index("ix_review_case_call_id", table_name="review_case")
    op.drop_table("review_case")
