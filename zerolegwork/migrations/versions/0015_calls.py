"""Calls for projects (项目征集 / 申报批次) and the units' applications (issue 15 item 1).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "project_call",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("issuer_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("region_ids", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("funding_source", sa.String(40), nullable=True),
        sa.Column("fund_name", sa.String(100), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("scoring_sheet", sa.String(50), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_project_call_issuer_id", "project_call", ["issuer_id"])
    op.create_index("ix_project_call_state", "project_call", ["state"])
    op.create_table(
        "call_application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("project_call.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("call_id", "project_id", name="uq_call_application_call_project"),
    )
    op.create_index("ix_call_application_project_id", "call_application", ["project_id"])
    op.create_index("ix_call_application_unit_id", "call_application", ["unit_id"])


def downgrade():
    op.drop_index("ix_call_application_unit_id", table_name="call_application")
    op.drop_index("ix_call_application_project_id", table_name="call_application")
    op.drop_table("call_application")
    op.drop_index("ix_project_call_state", table_name="project_call")
    op.drop_index("ix_project_call_issuer_id", table_name="project_call")
    op.drop_table("project_call")
