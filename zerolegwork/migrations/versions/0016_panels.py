"""Expert panels (issue 15 items 3 and 4): draws, declarations, scoring sheets and scores; experts' conflicts.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# the shipped scoring sheets as they were when this revision was written:
# (code, name, comment_below, ((key, label, weight, max_points), ...)). Frozen here so that a later
# edit of experts/sheets.py never changes what this revision did; such an edit needs a revision of its own.
SHEETS = (
    (
        "subsidy",
        "奖补项目评审",
        "0.6",
        (
            ("compliance", "政策符合性", "20", "20"),
            ("necessity", "项目必要性", "20", "20"),
            ("feasibility", "实施可行性", "25", "25"),
            ("budget", "资金测算合理性", "20", "20"),
            ("performance", "绩效目标", "15", "15"),
        ),
    ),
    (
        "economic",
        "经济建设项目评审",
        "0.6",
        (
            ("necessity", "建设必要性", "15", "10"),
            ("scheme", "建设方案", "25", "10"),
            ("investment", "投资估算", "25", "10"),
            ("funding", "资金筹措", "15", "10"),
            ("benefit", "经济社会效益", "20", "10"),
        ),
    ),
)


def sheet_rows():
    from decimal import Decimal

    return [
        {
            "code": code,
            "name": name,
            "criteria": [{"key": k, "label": label, "weight": w, "max_points": m} for k, label, w, m in rows],
            "comment_below": Decimal(below),
            "active": True,
        }
        for code, name, below, rows in SHEETS
    ]


def upgrade():
    with op.batch_alter_table("expert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conflicts", sa.JSON(), nullable=False, server_default="[]"))
    sheet = op.create_table(
        "scoring_sheet",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("comment_below", sa.Numeric(4, 3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "review_panel",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True),
        sa.Column("owner_org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("region.id"), nullable=False),
        sa.Column("mix", sa.JSON(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), sa.ForeignKey("scoring_sheet.id"), nullable=False),
        sa.Column("aggregation", sa.String(20), nullable=False),
        sa.Column("chair_expert_id", sa.Integer(), sa.ForeignKey("expert.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("concluded_at", sa.DateTime(), nullable=True),
        sa.Column("concluded_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("conclusion", sa.String(1000), nullable=True),
    )
    op.create_index("ix_review_panel_project_id", "review_panel", ["project_id"])
    op.create_index("ix_review_panel_unit_id", "review_panel", ["unit_id"])
    op.create_index("ix_review_panel_owner_org_id", "review_panel", ["owner_org_id"])
    op.create_table(
        "panel_member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("review_panel.id"), nullable=False),
        sa.Column("expert_id", sa.Integer(), sa.ForeignKey("expert.id"), nullable=False),
        sa.Column("specialty", sa.String(30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=True),
        sa.Column("declaration_text", sa.Text(), nullable=True),
        sa.Column("declined_at", sa.DateTime(), nullable=True),
        sa.Column("decline_reason", sa.String(500), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), sa.ForeignKey("panel_member.id"), nullable=True),
        sa.UniqueConstraint("panel_id", "expert_id", name="uq_panel_member_panel_expert"),
    )
    op.create_index("ix_panel_member_panel_id", "panel_member", ["panel_id"])
    op.create_index("ix_panel_member_expert_id", "panel_member", ["expert_id"])
    op.create_table(
        "draw_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("review_panel.id"), nullable=False, unique=True),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("mix", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("replacements", sa.JSON(), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "score_sheet",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("review_panel.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("panel_member.id"), nullable=False),
        sa.Column("opinion", sa.String(2000), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("member_id", name="uq_score_sheet_member"),
    )
    op.create_index("ix_score_sheet_panel_id", "score_sheet", ["panel_id"])
    op.create_table(
        "score_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sheet_id", sa.Integer(), sa.ForeignKey("score_sheet.id"), nullable=False),
        sa.Column("criterion", sa.String(40), nullable=False),
        sa.Column("score", sa.Numeric(6, 1), nullable=False),
        sa.Column("comment", sa.String(1000), nullable=True),
        sa.UniqueConstraint("sheet_id", "criterion", name="uq_score_item_sheet_criterion"),
    )
    op.create_index("ix_score_item_sheet_id", "score_item", ["sheet_id"])
    op.bulk_insert(sheet, sheet_rows())


def downgrade():
    op.drop_index("ix_score_item_sheet_id", table_name="score_item")
    op.drop_table("score_item")
    op.drop_index("ix_score_sheet_panel_id", table_name="score_sheet")
    op.drop_table("score_sheet")
    op.drop_table("draw_record")
    op.drop_index("ix_panel_member_expert_id", table_name="panel_member")
    op.drop_index("ix_panel_member_panel_id", table_name="panel_member")
    op.drop_table("panel_member")
    op.drop_index("ix_review_panel_owner_org_id", table_name="review_panel")
    op.drop_index("ix_review_panel_unit_id", table_name="review_panel")
    op.drop_index("ix_review_panel_project_id", table_name="review_panel")
    op.drop_table("review_panel")
    op.drop_table("scoring_sheet")
    with op.batch_alter_table("expert", schema=None) as batch_op:
        batch_op.drop_column("conflicts")
