"""The fund ledger: payments and their reversals, the reconciliation's exceptions (issue 16 items 1-2).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("payee", sa.String(200), nullable=False),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("voucher_id", sa.Integer(), sa.ForeignKey("attachment.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entry", sa.String(10), nullable=False),
        sa.Column("reverses_id", sa.Integer(), sa.ForeignKey("payment.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reversed_at", sa.DateTime(), nullable=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'payment' AND amount > 0) OR (kind = 'reversal' AND amount < 0)", name=op.f("ck_payment_amount_sign")
        ),
        sa.UniqueConstraint("reverses_id", name="uq_payment_reverses_id"),
    )
    op.create_index("ix_payment_project_paid_on", "payment", ["project_id", "paid_on"])
    op.create_index("ix_payment_contract_id", "payment", ["contract_id"])
    op.create_table(
        "fund_exception",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("rule", sa.String(30), nullable=False),
        sa.Column("source", sa.String(20), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_fund_exception_project_id", "fund_exception", ["project_id"])
    op.create_index("ix_fund_exception_rule_source", "fund_exception", ["rule", "source"])


def downgrade():
    op.drop_index("ix_fund_exception_rule_source", table_name="fund_exception")
    op.drop_index("ix_fund_exception_project_id", table_name="fund_exception")
    op.drop_table("fund_exception")
    op.drop_index("ix_payment_contract_id", table_name="payment")
    op.drop_index("ix_payment_project_paid_on", table_name="payment")
    op.drop_table("payment")
