"""The eight processes and the functions a project may choose in each (流程自主设定).

A project's chosen set is its whole-life record: the lifecycle diagram asks only for these.
Keys are stable snake_case (they appear in process data and in ProjectFunction rows); labels are
what people see.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Process:
    key: str
    zh: str
    en: str
    functions: tuple[Function, ...]
    # a process with no functions to choose runs for every project; others run when any is chosen
    always: bool = False


PROCESSES: tuple[Process, ...] = (
    Process("information", "项目信息", "Project information", (), always=True),
    Process(
        "procedures",
        "项目手续",
        "Procedures",
        (
            Function("proposal", "项目建议书", "Project proposal"),
            Function("feasibility", "可行性研究报告", "Feasibility study"),
            Function("approval", "立项批复", "Project approval"),
            Function("planning", "规划许可", "Planning permit"),
            Function("land_use", "用地审批", "Land use approval"),
            Function("environment", "环境影响评价", "Environmental impact assessment"),
            Function("budget_estimate", "初步设计概算", "Budget estimate"),
            Function("preliminary_design", "初步设计", "Preliminary design"),
            Function("permits", "施工许可", "Construction permit"),
            Function("plans", "施工图设计", "Construction plans"),
            Function("official_replies", "相关批复文件", "Official replies"),
            Function("public_filing", "公共基础设施备案", "Public-infrastructure filing"),
        ),
    ),
    Process("investment", "项目投资", "Investment", (), always=True),
    Process(
        "procurement",
        "招标采购",
        "Bidding and procurement",
        (
            Function("works", "工程招标", "Works tendering"),
            Function("goods", "货物采购", "Goods procurement"),
            Function("services", "服务采购", "Services procurement"),
        ),
    ),
    Process(
        "contracts",
        "合同备案",
        "Contract filing",
        (Function("contract_filing", "合同备案", "Contract filing"),),
    ),
    Process(
        "progress",
        "进度管理",
        "Progress",
        (
            Function("time", "时间进度", "Time progress"),
            Function("work_quantity", "工程量进度", "Work-quantity progress"),
            Function("investment", "投资进度", "Investment progress"),
            Function("funds", "资金拨付进度", "Funds disbursement progress"),
            Function("image", "形象进度", "Image progress"),
            Function("performance", "绩效进度", "Performance progress"),
        ),
    ),
    Process(
        "acceptance",
        "项目验收",
        "Acceptance",
        (
            Function("specialist", "专项验收", "Specialist acceptance"),
            Function("joint", "联合验收", "Joint acceptance"),
            Function("self", "自主验收", "Self acceptance"),
        ),
    ),
    Process(
        "performance",
        "绩效评价",
        "Performance evaluation",
        (
            Function("goals", "绩效目标设定", "Goal setting"),
            Function("monitoring", "绩效目标监控", "Goal monitoring"),
            Function("self_evaluation", "绩效自评价", "Self-evaluation"),
            Function("third_party", "第三方评价", "Third-party evaluation"),
            Function("key_evaluation", "部门重点评价", "Key evaluation by the department"),
            Function("use_of_results", "结果应用", "Use of results"),
        ),
    ),
)

BY_KEY: dict[str, Process] = {p.key: p for p in PROCESSES}


def valid_choice(process: str, function: str) -> bool:
    """Whether `function` is a function of `process` that a project may choose."""
    proc = BY_KEY.get(process)
    return proc is not None and any(f.key == function for f in proc.functions)


def as_process_data(chosen: dict[str, list[str]]) -> dict[str, list[str]]:
    """The chosen functions as the lifecycle's `functions` data: every choosable process, catalog order."""
    return {
        p.key: [f.key for f in p.functions if f.key in set(chosen.get(p.key, ()))] for p in PROCESSES if p.functions
    }
