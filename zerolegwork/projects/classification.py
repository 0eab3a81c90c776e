"""The classification vocabularies of the project library (项目分类管理).

Values are the Chinese terms themselves: they are what units write in their import files and what
reports group by. Each vocabulary is a tuple in display order; `INDUSTRY_CODES` gives the two-digit
industry part of the project code.
"""

from __future__ import annotations

INVESTMENT_POLICIES = ("中央预算内投资", "地方政府专项债券", "一般公共预算", "政府性基金", "国有资本", "其他")
INDUSTRY_TYPES = (
    "交通运输",
    "水利",
    "能源",
    "农林",
    "市政公用",
    "教育",
    "卫生健康",
    "文化旅游",
    "生态环保",
    "工业",
    "信息化",
    "社会保障",
    "其他",
)
CATEGORIES = ("市政道路", "城市更新", "房屋建筑", "工业", "信息化", "生态环保", "农林水利", "社会事业", "其他")
CONSTRUCTION_MODES = ("新建", "改建", "扩建", "迁建", "维修")
INVESTMENT_MODES = ("直接投资", "资本金注入", "投资补助", "贷款贴息")
MANAGEMENT_STATUSES = ("储备", "前期", "在建", "竣工", "运营", "终止")
LEVELS = ("市本级", "旗县区")

# 国民经济行业分类 (GB/T 4754) divisions used as the industry part of the project code
INDUSTRY_CODES = {
    "交通运输": "48",
    "水利": "76",
    "能源": "44",
    "农林": "05",
    "市政公用": "78",
    "教育": "83",
    "卫生健康": "84",
    "文化旅游": "88",
    "生态环保": "77",
    "工业": "30",
    "信息化": "65",
    "社会保障": "85",
    "其他": "99",
}

# field name -> vocabulary, for validation, filters and the import template
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "investment_policy": INVESTMENT_POLICIES,
    "industry_type": INDUSTRY_TYPES,
    "category": CATEGORIES,
    "construction_mode": CONSTRUCTION_MODES,
    "investment_mode": INVESTMENT_MODES,
    "management_status": MANAGEMENT_STATUSES,
}

# lifecycle stages (Project.stage, set from bpmn/lifecycle.bpmn `lifecycle_stage`) -> 中文
STAGES: dict[str, str] = {
    "information": "项目信息",
    "investment": "投资审批",
    "preparation": "前期准备",
    "construction": "建设实施",
    "acceptance": "竣工验收",
    "performance": "绩效评价",
    "completed": "已完成",
    "closed": "已终止",
}

# the shipped labels of the funding sources (records' funding rows) and project states: the PDF, the
# composer and the fixed tables read them through dictionaries/services.py, so all three say the same
FUNDING_SOURCES: dict[str, str] = {
    "central": "中央转移支付",
    "provincial": "省级资金",
    "city": "市级资金",
    "district": "区级资金",
    "bonds": "债券资金",
    "bank_loans": "银行贷款",
    "self_raised": "自筹资金",
    "other": "其他资金",
}
PROJECT_STATES: dict[str, str] = {
    "draft": "草稿",
    "in_approval": "并联会签中",
    "approved": "已通过",
    "returned": "已退回项目单位",
    "closed": "已关闭",
}
