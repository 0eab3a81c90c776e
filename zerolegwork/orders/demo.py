"""The demo's service orders: one per kind on the demo unit's projects, through the services as people would.

On the project under construction (the funds demo's contract): a cost audit by the unit to agency1,
accepted with its 审定金额 (so the fund reconciliation caps the contract by it), a performance
evaluation by the finance bureau to the evaluator `evaluator1`, delivered, returned once and delivered
again, waiting for finance's check, and a consulting order waiting for agency1's answer. On the first
project: a supervision order delivered, waiting for the unit's check.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ..demo import DEMO_PASSWORD
from ..engine.routing import today_local
from ..extensions import db
from ..files import services as files
from ..orgs import services as orgs
from ..orgs.models import Organisation, OrgKind, User
from ..projects.models import Project
from . import reports, services
from .drive import finish
from .figures import contracts_of
from .models import OrderKind, ServiceOrder

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EVALUATOR = "demo_evaluator"
BUILDING = "在建"


def ensure_evaluator() -> Organisation:
    """The performance evaluation agency and its account `evaluator1` (flush only), once."""
    org = orgs.org_by_code(EVALUATOR)
    if org is None:
        city = db.session.scalars(select(User).where(User.username == "agency1")).one().org.region
        org = orgs.create_org(
            EVALUATOR,
            "包头市华信绩效评价事务所",
            OrgKind.AGENCY,
            city,
            credit_code="91150200MA0N00130X",
            contact_name="钱经理",
            contact_phone="0472-5300000",
            service_types=[OrderKind.PERFORMANCE.value],
        )
        orgs.create_user("evaluator1", "第三方评价机构 项目负责人", DEMO_PASSWORD, org)
    return org  # type: ignore[return-value]


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def upload_report(order: ServiceOrder, name: str) -> None:
    """The agency uploads a report version on the order's page."""
    agent = db.session.scalars(select(User).where(User.org_id == order.agency_id).order_by(User.id)).first()
    files.upload(agent, order.project_id, reports.slot_for(order.id), name, io.BytesIO(PDF + name.encode()))  # type: ignore[arg-type]


def issue(issuer: User, project: Project, kind: str, agency: Organisation, scope: str) -> ServiceOrder:
    form = {
        "kind": kind,
        "agency_id": str(agency.id),
        "scope": scope,
        "due_on": str(today_local() + timedelta(days=30)),
    }
    return services.issue_order(issuer, project.id, form)


def seed() -> list[ServiceOrder]:
    """One order per kind on the demo unit's projects (flush only); a database that has orders is left alone."""
    if db.session.scalar(select(ServiceOrder.id).limit(1)) is not None:
        return []
    unit = user("unit1")
    agency = user("agency1").org
    evaluator = ensure_evaluator()
    mine = select(Project).where(Project.unit_id == unit.org_id).order_by(Project.id)
    building = db.session.scalars(mine.where(Project.management_status == BUILDING)).first()
    first = db.session.scalars(mine).first()
    if building is None or first is None:
        return []
    audit = issue(unit, building, OrderKind.COST_AUDIT, agency, "对一期施工合同进行结算审核，出具工程审价报告。")
    finish(audit, "answer_order", {"decision": "accept", "opinion": "按期完成"})
    upload_report(audit, "工程审价报告.pdf")
    lines = [
        {"contract_id": str(c.id), "submitted": str(c.amount), "audited": str(c.amount - 200)}
        for c in contracts_of(building.id)
    ]
    submitted = sum((c.amount for c in contracts_of(building.id)), Decimal(0))
    finish(
        audit,
        "deliver",
        {
            "project_submitted": str(submitted),
            "project_audited": str(submitted - 200 * len(lines)),
            "contracts": lines,
            "conclusion": "经审核，施工合同审定金额较送审金额核减 200 万元，主要为土方工程量重复计算。",
        },
    )
    finish(audit, "check_delivery", {"decision": "accept", "opinion": "同意审价结论"})
    finance = user("finance1")
    evaluation = issue(
        finance, building, OrderKind.PERFORMANCE, evaluator, "对项目 2026 年度资金使用绩效开展第三方评价。"
    )
    finish(evaluation, "answer_order", {"decision": "accept"})
    upload_report(evaluation, "绩效评价报告（初稿）.pdf")
    finish(evaluation, "deliver", {"score": "82.50", "grade": "good", "conclusion": "项目总体实施良好。"})
    finish(evaluation, "check_delivery", {"decision": "return", "opinion": "请补充满意度调查样本说明。"})
    upload_report(evaluation, "绩效评价报告（修改稿）.pdf")
    finish(evaluation, "deliver", {"score": "85.00", "grade": "good", "conclusion": "已补充满意度调查，总体良好。"})
    issue(unit, building, OrderKind.CONSULTING, agency, "对二期建设方案提供咨询意见。")
    supervision = issue(unit, first, OrderKind.SUPERVISION, agency, "道路改造工程施工阶段监理，按月提交监理报告。")
    finish(supervision, "answer_order", {"decision": "accept"})
    upload_report(supervision, "监理月报（2026年9月）.pdf")
    finish(
        supervision,
        "deliver",
        {
            "period_from": "2026-09-01",
            "period_to": "2026-09-30",
            "findings": "基层压实度抽检合格；已督促整改两处标线问题。",
        },
    )
    return [audit, evaluation, supervision]
