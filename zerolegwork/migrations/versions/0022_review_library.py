"""The review library and its budget lines; a call's total and budget version; a report batch's kind (issue 15 item 5).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project_call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total_amount", sa.Numeric(16, 4), nullable=True))
        batch_op.add_column(sa.Column("budget_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("report_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="project"))
    op.create_table(
        "library_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("project_call.id"), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("review_case.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("verdict", sa.String(30), nullable=False),
        sa.Column("score", sa.Numeric(8, 2), nullable=True),
        sa.Column("recommended_amount", sa.Numeric(16, 4), nullable=True),
        sa.Column("opinion", sa.String(5000), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", name="uq_library_entry_case_id"),
    )
    op.create_index("ix_library_entry_call_id", "library_entry", ["call_id"])
    op.create_index("ix_library_entry_project_id", "library_entry", ["project_id"])
    op.create_index("ix_library_entry_unit_id", "library_entry", ["unit_id"])
    op.create_index("ix_library_entry_verdict", "library_entry", ["verdict"])
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("project_call.id"), nullable=False),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("library_entry.id"), nullable=False),
        sa.Column("arrangement_id", sa.Integer(), sa.ForeignKey("budget_arrangement.id"), nullable=False),
        sa.Column("amount", sa.Numeric(16, 4), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("document_no", sa.String(100), nullable=False),
        sa.Column("reverses_id", sa.Integer(), sa.ForeignKey("budget_line.id"), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("arrangement_id", name="uq_budget_line_arrangement_id"),
        sa.UniqueConstraint("reverses_id", name="uq_budget_line_reverses_id"),
    )
    op.create_index("ix_budget_line_call_id", "budget_line", ["call_id"])
    op.create_index("ix_budget_line_entry_id", "budget_line", ["entry_id"])


def downgrade():
    op.drop_index("ix_budget_line_entry_id", table_name="budget_line")
    op.drop_index("ix_budget_line_call_id", table_name="budget_line")
    op.drop_table("budget_line")
    op.drop_index("ix_library_entry_verdict", table_name="library_entry")
    op.drop_index("ix_library_entry_unit_id", table_name="library_entry")
    op.drop_index("ix_library_entry_project_id", table_name="library_entry")
    op.drop_index("ix_library_entry_call_id", table_name="library_entry")
    op.drop_table("library_entry")
    with op.batch_alter_table("report_batch", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("project_call", schema=None) as batch_op:
        batch_op.drop_column("budget_version")
        batch_op.drop_column("total_amount")
