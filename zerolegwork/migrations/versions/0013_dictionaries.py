"""Dictionaries (issue 13 item 2): the classifications as data, seeded with the shipped defaults.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# the shipped entries as they were when this revision was written: (kind, code, name, sort_order, aliases).
# Frozen here so that a later edit of dictionaries/defaults.py never changes what this revision did;
# such an edit needs a revision of its own (tests/dictionaries/test_migration_rows.py says so).
ROWS = (
    ("investment_policy", "01", "中央预算内投资", 1, ()),
    ("investment_policy", "02", "地方政府专项债券", 2, ()),
    ("investment_policy", "03", "一般公共预算", 3, ()),
    ("investment_policy", "04", "政府性基金", 4, ()),
    ("investment_policy", "05", "国有资本", 5, ()),
    ("investment_policy", "06", "其他", 6, ()),
    ("industry_type", "48", "交通运输", 1, ()),
    ("industry_type", "76", "水利", 2, ()),
    ("industry_type", "44", "能源", 3, ()),
    ("industry_type", "05", "农林", 4, ()),
    ("industry_type", "78", "市政公用", 5, ()),
    ("industry_type", "83", "教育", 6, ()),
    ("industry_type", "84", "卫生健康", 7, ()),
    ("industry_type", "88", "文化旅游", 8, ()),
    ("industry_type", "77", "生态环保", 9, ()),
    ("industry_type", "30", "工业", 10, ()),
    ("industry_type", "65", "信息化", 11, ()),
    ("industry_type", "85", "社会保障", 12, ()),
    ("industry_type", "99", "其他", 13, ()),
    ("category", "01", "市政道路", 1, ()),
    ("category", "02", "城市更新", 2, ()),
    ("category", "03", "房屋建筑", 3, ()),
    ("category", "04", "工业", 4, ()),
    ("category", "05", "信息化", 5, ()),
    ("category", "06", "生态环保", 6, ()),
    ("category", "07", "农林水利", 7, ()),
    ("category", "08", "社会事业", 8, ()),
    ("category", "09", "其他", 9, ()),
    ("construction_mode", "01", "新建", 1, ()),
    ("construction_mode", "02", "改建", 2, ()),
    ("construction_mode", "03", "扩建", 3, ()),
    ("construction_mode", "04", "迁建", 4, ()),
    ("construction_mode", "05", "维修", 5, ()),
    ("investment_mode", "01", "直接投资", 1, ()),
    ("investment_mode", "02", "资本金注入", 2, ()),
    ("investment_mode", "03", "投资补助", 3, ()),
    ("investment_mode", "04", "贷款贴息", 4, ()),
    ("management_status", "01", "储备", 1, ()),
    ("management_status", "02", "前期", 2, ()),
    ("management_status", "03", "在建", 3, ()),
    ("management_status", "04", "竣工", 4, ()),
    ("management_status", "05", "运营", 5, ()),
    ("management_status", "06", "终止", 6, ()),
    ("funding_source", "central", "中央转移支付", 1, ()),
    ("funding_source", "provincial", "省级资金", 2, ()),
    ("funding_source", "city", "市级资金", 3, ()),
    ("funding_source", "district", "区级资金", 4, ()),
    ("funding_source", "bonds", "债券资金", 5, ()),
    ("funding_source", "bank_loans", "银行贷款", 6, ()),
    ("funding_source", "self_raised", "自筹资金", 7, ()),
    ("funding_source", "other", "其他资金", 8, ()),
    ("project_state", "draft", "草稿", 1, ()),
    ("project_state", "in_approval", "并联会签中", 2, ()),
    ("project_state", "approved", "已通过", 3, ()),
    ("project_state", "returned", "已退回项目单位", 4, ()),
    ("project_state", "closed", "已关闭", 5, ()),
    ("department", "ndrc", "发展和改革委员会", 1, ("发改委", "发展改革委", "发改局", "发展和改革局")),
    ("department", "finance", "财政局", 2, ("财政",)),
    ("department", "housing", "住房和城乡建设局", 3, ("住建局", "住房城乡建设局")),
    ("department", "environment", "生态环境局", 4, ("环保局", "生态环境分局")),
    ("department", "economy_it", "工业和信息化局", 5, ("工信局",)),
    ("department", "transport", "交通运输局", 6, ("交通局",)),
    ("department", "education", "教育局", 7, ("教体局",)),
    ("department", "health", "卫生健康委员会", 8, ("卫健委",)),
    ("department", "agriculture", "农牧局", 9, ("农业农村局",)),
    ("department", "water", "水务局", 10, ("水利局",)),
    ("department", "natural_resources", "自然资源局", 11, ("自然资源和规划局",)),
    ("department", "audit", "审计局", 12, ()),
)


def rows():
    return [
        {"kind": kind, "code": code, "name": name, "sort_order": order, "active": True, "aliases": list(aliases)}
        for kind, code, name, order, aliases in ROWS
    ]


def upgrade():
    table = op.create_table(
        "dictionary_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.UniqueConstraint("kind", "code", name="uq_dictionary_entry_kind_code"),
        sa.UniqueConstraint("kind", "name", name="uq_dictionary_entry_kind_name"),
    )
    op.create_index("ix_dictionary_entry_kind", "dictionary_entry", ["kind"])
    op.bulk_insert(table, rows())


def downgrade():
    op.drop_index("ix_dictionary_entry_kind", table_name="dictionary_entry")
    op.drop_table("dictionary_entry")
