"""Valid answers for every record kind, as the validated forms hand them over (decimals as exact strings)."""

from __future__ import annotations

from typing import Any

VALID: dict[str, dict[str, Any]] = {
    "project_info": {
        "investment_policy": "地方政府专项债券",
        "industry_type": "交通运输",
        "category": "市政道路",
        "construction_mode": "改建",
        "investment_mode": "直接投资",
        "management_status": "前期",
        "start_year": 2026,
        "end_year": 2028,
        "planned_investment": "5600.1234",
        "description": "道路拓宽改造",
    },
    "procedure_document": {
        "procedure": "approval",
        "document_no": "发改投资〔2026〕12号",
        "issued_by": "市发展和改革委员会",
        "issued_on": "2026-03-01",
        "remarks": None,
    },
    "investment_plan": {
        "total": "1000.0000",
        "term_years": 3,
        "construction_cost": "700.5000",
        "equipment_cost": "200",
        "other_cost": "49.4999",
        "contingency": "50.0001",
        "fund_central": "300",
        "fund_provincial": None,
        "fund_city": "400.0001",
        "fund_district": "",
        "fund_bonds": "299.9999",
        "fund_bank_loans": None,
        "fund_self_raised": None,
        "fund_other": None,
    },
    "procurement": {
        "title": "道路施工总承包",
        "method": "公开招标",
        "procurement_type": "works",
        "budget": "900",
        "award_amount": "876.5432",
        "winner": "某某建设集团有限公司",
        "awarded_on": "2026-05-20",
    },
    "contract": {
        "title": "施工合同",
        "contract_type": "施工",
        "party_a": "市交通局",
        "party_b": "某某建设集团有限公司",
        "amount": "876.5432",
        "signed_on": "2026-06-01",
        "start_on": "2026-06-10",
        "end_on": "2028-06-10",
    },
    "progress_report": {
        "period": "2026-09",
        "time_progress": "25.5",
        "work_quantity_progress": None,
        "investment_completed": "250.0001",
        "funds_disbursed": "200",
        "image_note": "路基完成",
        "performance_note": None,
        "construction_complete": False,
    },
    "acceptance": {
        "acceptance_type": "joint",
        "result": "passed",
        "accepted_on": "2028-07-01",
        "organiser": "市交通局",
        "remarks": None,
    },
    "performance_goals": {
        "goal": "道路通行能力提升",
        "indicators": [
            {"name": "通车里程", "weight": "40", "target": "12 公里"},
            {"name": "满意度", "weight": "33.3333", "target": "≥90%"},
            {"name": "工期", "weight": "26.6667", "target": "按期完工"},
        ],
    },
    "performance_evaluation": {
        "stage": "self",
        "score": "91.5",
        "grade": "优",
        "findings": "目标基本完成",
        "use_of_results": None,
    },
}


def answers(kind: str, **changes: Any) -> dict[str, Any]:
    """A copy of the valid answers of a kind with some changed."""
    copy = {k: (list(v) if isinstance(v, list) else v) for k, v in VALID[kind].items()}
    copy.update(changes)
    return copy
