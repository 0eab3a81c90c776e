"""Service orders: consulting, supervision, cost audit and performance evaluation by agencies (issue 15 item 6).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("issuer_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("scope", sa.String(4000), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("decline_reason", sa.String(1000), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    for column in ("project_id", "kind", "issuer_id", "agency_id", "state", "instance_id"):
        op.create_index(f"ix_service_order_{column}", "service_order", [column])
    op.create_table(
        "order_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("service_order.id"), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), sa.ForeignKey("attachment.id"), nullable=True),
        sa.Column("conclusion", sa.String(5000), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("project_submitted", sa.Numeric(16, 4), nullable=True),
        sa.Column("project_audited", sa.Numeric(16, 4), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=True),
        sa.Column("delivered_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_order_delivery_order_id", "order_delivery", ["order_id"])
    op.create_index("ix_order_delivery_state", "order_delivery", ["state"])
    op.create_table(
        "order_contract_figure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.Integer(), sa.ForeignKey("order_delivery.id"), nullable=False),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("submitted", sa.Numeric(16, 4), nullable=False),
        sa.Column("audited", sa.Numeric(16, 4), nullable=False),
    )
    op.create_index("ix_order_contract_figure_delivery_id", "order_contract_figure", ["delivery_id"])
    op.create_index("ix_order_contract_figure_contract_id", "order_contract_figure", ["contract_id"])


def downgrade():
    op.drop_index("ix_order_contract_figure_contract_id", table_name="order_contract_figure")
    op.drop_index("ix_order_contract_figure_delivery_id", table_name="order_contract_figure")
    op.drop_table("order_contract_figure")
    op.drop_index("ix_order_delivery_state", table_name="order_delivery")
    op.drop_index("ix_order_delivery_order_id", table_name="order_delivery")
    op.drop_table("order_delivery")
    for column in ("instance_id", "state", "agency_id", "issuer_id", "kind", "project_id"):
        op.drop_index(f"ix_service_order_{column}", table_name="service_order")
    op.drop_table("service_order")
