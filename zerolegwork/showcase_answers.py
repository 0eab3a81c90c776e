"""What the showcase's people write at each lifecycle step (the fields of forms/*.json), and its site photos."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from .projects.models import Project

UNIT_NAME = "包头市城市建设投资有限公司"
BUILDER = "包头市路桥建设集团有限公司"


def for_task(bpmn_id: str, project: Project, context: dict[str, Any], confirm: dict[str, str]) -> dict[str, Any]:
    """The answers to one task of `project`'s lifecycle; `context` is the task's data (its multi-instance item)."""
    amount = int(project.planned_investment)
    if bpmn_id == "record_information":
        return {
            "investment_policy": project.investment_policy or "一般公共预算",
            "industry_type": project.industry_type or "市政公用",
            "category": project.category,
            "construction_mode": project.construction_mode or "新建",
            "investment_mode": project.investment_mode or "直接投资",
            "management_status": "前期",
            "start_year": 2026,
            "end_year": 2027,
            "planned_investment": f"{amount}.0000",
            "description": f"{project.name}：按批复的建设内容和规模实施。",
        }
    if bpmn_id == "record_investment":
        construction, equipment = amount * 8 // 10, amount // 10
        return {
            "total": f"{amount}.0000",
            "term_years": 2,
            "construction_cost": f"{construction}.0000",
            "equipment_cost": f"{equipment}.0000",
            "other_cost": f"{amount - construction - equipment}.0000",
            "contingency": "0",
            "fund_city": f"{amount // 2}.0000",
            "fund_bonds": f"{amount - amount // 2}.0000",
        }
    if bpmn_id == "department_review":
        return {"decision": "approve", "opinion": "符合相关规划和政策，同意。"}
    if bpmn_id.startswith("check_"):
        return confirm
    if bpmn_id == "record_procedure":
        return {
            "procedure": context.get("procedure", "feasibility"),
            "document_no": f"包发改审批〔2026〕{project.id + 20}号",
            "issued_by": "包头市发展和改革委员会",
            "issued_on": "2026-02-10",
            "remarks": "",
        }
    if bpmn_id == "record_procurement":
        return {
            "title": f"{project.name}（施工）",
            "method": "公开招标",
            "procurement_type": context.get("procurement_type", "works"),
            "budget": f"{amount * 8 // 10}.0000",
            "award_amount": f"{amount * 8 // 10 - 20}.0000",
            "winner": BUILDER,
            "awarded_on": "2026-02-25",
        }
    if bpmn_id == "record_contract":
        return {
            "title": f"{project.name}施工合同",
            "contract_type": "施工",
            "party_a": UNIT_NAME,
            "party_b": BUILDER,
            "amount": f"{amount * 8 // 10 - 20}.0000",
            "signed_on": "2026-03-01",
            "start_on": "2026-03-05",
            "end_on": "2027-10-31",
        }
    if bpmn_id == "next_contract":
        return {"next_step": "done", "note": ""}
    if bpmn_id == "record_acceptance":
        return {
            "acceptance_type": context.get("acceptance_type", "joint"),
            "result": "passed",
            "accepted_on": "2026-12-20",
            "organiser": "包头市住房和城乡建设局",
            "remarks": "",
        }
    if bpmn_id == "set_goals":
        return {
            "goal": "按期建成并投入使用，群众满意度达到 90% 以上。",
            "indicators": [
                {"name": "按期完工率", "weight": "50", "target": "100%"},
                {"name": "群众满意度", "weight": "50", "target": "90% 以上"},
            ],
        }
    if bpmn_id in ("record_evaluation", "key_evaluation"):
        stage = "key" if bpmn_id == "key_evaluation" else context.get("stage", "self")
        return {"stage": stage, "score": "92", "grade": "优", "findings": "目标全部实现，资金使用规范。"}
    if bpmn_id == "use_of_results":
        return {"budget_effect": "keep", "use_of_results": "评价结果为优，后续运维资金予以保障。"}
    raise ValueError(f"the showcase has no answers for {bpmn_id}")


def progress(project: Project, report: tuple[str, str, str, Decimal, Decimal], last: bool) -> dict[str, Any]:
    """One progress report: the period's time and work-quantity progress, investment completed and funds disbursed."""
    period, time_pct, work_pct, invested, disbursed = report
    planned = project.planned_investment
    return {
        "period": period,
        "time_progress": time_pct,
        "work_quantity_progress": work_pct,
        "investment_completed": f"{(planned * invested).quantize(Decimal('1.0000'))}",
        "funds_disbursed": f"{(planned * disbursed).quantize(Decimal('1.0000'))}",
        "image_note": f"{period} 现场形象进度见照片。",
        "performance_note": "",
        "construction_complete": last,
    }


def site_photo(step: int) -> bytes:
    """A small drawn 'site photo' (sky, ground, a structure rising with the step) as PNG bytes."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (170, 205, 235))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 170, 320, 240), fill=(150, 130, 100))
    height = 30 + 30 * step
    draw.rectangle((90, 170 - height, 230, 170), fill=(120, 120, 125), outline=(60, 60, 60))
    for y in range(170 - height + 10, 165, 20):
        draw.line((95, y, 225, y), fill=(90, 90, 95))
    draw.line((250, 170, 250, 40), fill=(230, 160, 20), width=4)  # a tower crane
    draw.line((200, 45, 310, 45), fill=(230, 160, 20), width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
