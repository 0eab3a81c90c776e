"""Drive the lifecycle and the eight process diagrams through the runtime and the inbox services.

Every process is started like the platform starts one (runtime.start_instance with the start
data of docs/bpmn-conventions.md "The lifecycle") and every task is completed through
inbox.services.complete as the user whose organisation the task is routed to.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import _build_app, deploy_repository
from tests.files.samples import PDF
from tests.helpers import DEPARTMENT_USERS
from zerolegwork.engine import runtime
from zerolegwork.engine.models import HumanTask, HumanTaskState
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.inbox import services as inbox

UNIT = "demo_unit"
COMPETENT = "ndrc"  # the demo's city development and reform commission: user ndrc1 holds its 审批 post
USERS = {UNIT: "unit1", **DEPARTMENT_USERS, "economy_it": "econ1"}
SIGNOFF_DEPARTMENTS = ["finance", "ndrc", "environment", "housing"]  # a 市政道路 project, any amount

NO_FUNCTIONS: dict[str, list[str]] = {
    "procedures": [],
    "procurement": [],
    "contracts": [],
    "progress": [],
    "acceptance": [],
    "performance": [],
}
ALL_FUNCTIONS: dict[str, list[str]] = {
    "procedures": ["proposal", "feasibility"],
    "procurement": ["works"],
    "contracts": ["contract_filing"],
    "progress": ["time", "investment", "image"],
    "acceptance": ["specialist", "joint"],
    "performance": ["goals", "monitoring", "self_evaluation", "key_evaluation", "use_of_results"],
}

CONFIRM = {"decision": "confirm", "opinion": "经核对，同意。"}
INFORMATION = {
    "investment_policy": "一般公共预算",
    "industry_type": "市政公用",
    "category": "市政道路",
    "construction_mode": "改建",
    "investment_mode": "直接投资",
    "management_status": "前期",
    "start_year": 2026,
    "end_year": 2027,
    "planned_investment": "12800.0000",
    "description": "友谊大街（民族东路—团结大街）道路改造。",
}


def returned(opinion: str = "材料不全，请补充后重新提交。") -> dict[str, str]:
    return {"decision": "return", "opinion": opinion}


def investment_plan(total: str = "12800.0000") -> dict[str, Any]:
    """A plan whose composition and funding both add up to `total` (an integer amount)."""
    whole = int(float(total))
    construction = whole * 8 // 10
    return {
        "total": total,
        "term_years": 2,
        "construction_cost": f"{construction}.0000",
        "equipment_cost": f"{whole // 10}.0000",
        "other_cost": f"{whole - construction - whole // 10}.0000",
        "contingency": "0",
        "fund_city": f"{whole // 2}.0000",
        "fund_bonds": f"{whole - whole // 2}.0000",
    }


def procedure_document(procedure: str) -> dict[str, Any]:
    return {
        "procedure": procedure,
        "document_no": f"包发改审批〔2026〕{len(procedure)}号",
        "issued_by": "包头市发展和改革委员会",
        "issued_on": "2026-03-02",
        "remarks": "",
    }


def procurement(procurement_type: str) -> dict[str, Any]:
    return {
        "title": f"友谊大街道路改造（{procurement_type}）",
        "method": "公开招标",
        "procurement_type": procurement_type,
        "budget": "9800.0000",
        "award_amount": "9650.5000",
        "winner": "包头市路桥建设集团有限公司",
        "awarded_on": "2026-04-15",
    }


def contract(title: str = "友谊大街道路改造施工合同") -> dict[str, Any]:
    return {
        "title": title,
        "contract_type": "施工",
        "party_a": "包头市城市建设投资有限公司",
        "party_b": "包头市路桥建设集团有限公司",
        "amount": "9650.5000",
        "signed_on": "2026-04-20",
        "start_on": "2026-05-01",
        "end_on": "2027-10-31",
    }


def progress_report(period: str, complete: bool = False, **values: Any) -> dict[str, Any]:
    report = {
        "period": period,
        "time_progress": "100" if complete else "35",
        "work_quantity_progress": "",
        "investment_completed": "12000.0000" if complete else "3200.0000",
        "funds_disbursed": "",
        "image_note": "路基施工完成，见现场照片。",
        "performance_note": "",
        "construction_complete": complete,
    }
    report.update(values)
    return report


def acceptance(acceptance_type: str, result: str = "passed") -> dict[str, Any]:
    return {
        "acceptance_type": acceptance_type,
        "result": result,
        "accepted_on": "2027-11-20",
        "organiser": "包头市住房和城乡建设局",
        "remarks": "",
    }


GOALS = {
    "goal": "改善友谊大街通行条件，高峰时段通行时间缩短 20%。",
    "indicators": [
        {"name": "道路改造长度", "weight": "40", "target": "3.2 公里"},
        {"name": "高峰通行时间缩短", "weight": "40", "target": "20%"},
        {"name": "群众满意度", "weight": "20", "target": "90% 以上"},
    ],
}


def evaluation(stage: str, score: str = "91.5") -> dict[str, Any]:
    return {
        "stage": stage,
        "score": score,
        "grade": "优",
        "findings": "目标基本实现，资金使用规范。",
        "use_of_results": "",
    }


RESULTS_USE = {
    "budget_effect": "keep",
    "use_of_results": "评价结果为优，后续养护资金予以保障。",
    "rectification_required": False,
}


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on a fresh SQLite database whose evidence uploads land under tmp_path/files (import it)."""
    application = _build_app("sqlite", tmp_path, request, files_dir=str(tmp_path / "files"))
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


def start_data(project: Any, functions: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    """The start data the platform gives `lifecycle` (and any single process started on its own)."""
    data: dict[str, Any] = {
        "project_unit": UNIT,
        "competent_department": COMPETENT,
        "project_id": project.id,
        "project_name": project.name,
        "project_code": project.code,
        "category": project.category,
        "planned_investment": str(project.planned_investment),
        "level": "市本级",
        "region": "昆区",
        "functions": {**NO_FUNCTIONS, **(functions or {})},
        "round_no": 0,
        "opinions": [],
        "revise_limit": "P30D",
    }
    data.update(extra)
    return data


def start(
    people: dict[str, Any],
    process_id: str,
    functions: dict[str, list[str]] | None = None,
    index: int = 0,
    **extra: Any,
) -> runtime.StepResult:
    """Start a process for demo project `index` as its unit would; commit."""
    project = people["projects"][index]
    result = runtime.start_instance(
        process_id, start_data(project, functions, **extra), actor_id=people["users"]["unit1"].id, project_id=project.id
    )
    db.session.commit()
    return result


def ready(instance_id: int, bpmn_id: str | None = None) -> list[HumanTask]:
    """The ready human tasks of an instance (optionally of one task id), oldest first."""
    stmt = select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY)
    if bpmn_id:
        stmt = stmt.where(HumanTask.bpmn_id == bpmn_id)
    return list(db.session.scalars(stmt.order_by(HumanTask.id)))


def asked(instance_id: int) -> list[tuple[str, str, str]]:
    """What the instance asks for now: (task id, organisation, multi-instance item or '') sorted."""
    items = ("procedure", "procurement_type", "acceptance_type", "stage", "department")
    out = []
    for t in ready(instance_id):
        data = runtime.task_context(t)
        item = next((str(data[k]) for k in items if k in data and t.bpmn_id != "key_evaluation"), "")
        out.append((t.bpmn_id, t.org_code, item))
    return sorted(out)


def find(instance_id: int, bpmn_id: str, **match: Any) -> HumanTask:
    """The one ready task `bpmn_id` whose task data matches `match` (e.g. procedure="proposal")."""
    found = [
        t for t in ready(instance_id, bpmn_id) if all(runtime.task_context(t).get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (bpmn_id, match, asked(instance_id))
    return found[0]


def act(
    people: dict[str, Any], instance_id: int, bpmn_id: str, answers: dict[str, Any], **match: Any
) -> runtime.StepResult:
    """Complete the one matching ready task as the user of the organisation it is routed to; commit."""
    task = find(instance_id, bpmn_id, **match)
    user = people["users"][USERS[task.org_code]]
    attach_evidence(user, task)
    result = inbox.complete(user, task.id, answers)
    db.session.commit()
    return result


def attach_evidence(user: Any, task: HumanTask) -> None:
    """Upload a document to every required evidence slot of the task's form (a repeat adds nothing)."""
    for slot in runtime.task_form(task).get("evidence") or []:
        if isinstance(slot, dict) and slot.get("required") and task.project_id is not None:
            files.upload(user, task.project_id, slot["slot"], f"{slot['slot']}.pdf", io.BytesIO(PDF), task_id=task.id)


def data_of(instance_id: int) -> dict[str, Any]:
    return runtime.instance_data(instance_id)


def sign_off(people: dict[str, Any], instance_id: int, reject: str | None = None) -> runtime.StepResult:
    """Every department of the joint sign-off approves (or `reject` rejects)."""
    result = None
    for t in ready(instance_id, "department_review"):
        decision = "reject" if t.org_code == reject else "approve"
        result = inbox.complete(people["users"][USERS[t.org_code]], t.id, {"decision": decision, "opinion": "同意。"})
        db.session.commit()
    assert result is not None, asked(instance_id)
    return result


def through_investment(people: dict[str, Any], instance_id: int) -> runtime.StepResult:
    """Project information and investment, each confirmed, and the joint sign-off approved."""
    act(people, instance_id, "record_information", INFORMATION)
    act(people, instance_id, "check_information", CONFIRM)
    act(people, instance_id, "record_investment", investment_plan())
    act(people, instance_id, "check_investment", CONFIRM)
    return sign_off(people, instance_id)
