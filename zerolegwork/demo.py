"""Demo regions, organisations, people, department structures, experts and projects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from .extensions import db
from .orgs import services as orgs
from .orgs.models import ApprovalMode, Expert, OrgKind, User
from .orgs.reference import DEPT_TYPES, DISTRICT_DEPT_TYPES
from .projects import services as projects
from .projects.models import Engagement, Project

DEMO_PASSWORD = "Zlw-Demo-2026!"  # noqa: S105 - printed demo password for the embedded default

# city departments: (org code, dept type, handler user, handler display name)
CITY_DEPARTMENTS = [
    ("finance", "finance", "finance1", "财政局 审查员"),
    ("ndrc", "ndrc", "ndrc1", "发改委 审查员"),
    ("environment", "environment", "env1", "生态环境局 审查员"),
    ("economy_it", "economy_it", "econ1", "工信局 审查员"),
    ("housing", "housing", "housing1", "住建局 审查员"),
]

# name, region, category, planned investment (万元), competent department, industry, policy, mode, status, years
PROJECTS = [
    (
        "包头市昆区友谊大街道路改造工程",
        "昆区",
        "市政道路",
        Decimal("12800.0000"),
        "housing",
        "交通运输",
        "一般公共预算",
        "改建",
        "前期",
        (2026, 2027),
    ),
    (
        "青山区第三污水处理厂扩建项目",
        "青山区",
        "生态环保",
        Decimal("35600.5000"),
        "environment",
        "生态环保",
        "地方政府专项债券",
        "扩建",
        "储备",
        (2026, 2028),
    ),
    (
        "东河区老旧小区改造（一期）",
        "东河区",
        "城市更新",
        Decimal("8650.2500"),
        "housing",
        "市政公用",
        "中央预算内投资",
        "改建",
        "在建",
        (2025, 2026),
    ),
]

EXPERTS = [
    ("王建国", ["市政道路", "桥梁"], "内蒙古科技大学", "市本级"),
    ("李秀英", ["投资估算", "工程造价"], "包头市工程造价协会", "市本级"),
    ("张伟", ["环境影响评价"], "包头市环境科学研究院", "青山区"),
    ("刘洋", ["给排水", "污水处理"], "包头市市政设计院", "昆区"),
    ("陈静", ["财务", "绩效评价"], "内蒙古财经大学", "东河区"),
    ("赵磊", ["建筑结构", "城市更新"], "包头市建筑设计研究院", "九原区"),
]


def _department(code: str, name: str, dept_type: str, region: object, handler: tuple[str, str] | None) -> None:
    """A department of the set-up's default structure (经办 → 科长 → 分管领导), its handler, chief and admin."""
    from .orgs import structure
    from .orgs.provision import create_department
    from .orgs.setupfile import Structure

    dept = create_department(code, name, dept_type, region, Structure())  # type: ignore[arg-type]
    if handler is not None:
        handler_post, chief_post = structure.chain(dept, ApprovalMode.VERIFICATION)
        username, display = handler
        user = orgs.create_user(username, display, DEMO_PASSWORD, dept)
        structure.assign(handler_post, user)
        chief = orgs.create_user(
            username.rstrip("1") + "_chief", display.replace("审查员", "科长"), DEMO_PASSWORD, dept
        )
        structure.assign(chief_post, chief)
        orgs.create_user(
            username.rstrip("1") + "_admin", display.replace("审查员", "管理员"), DEMO_PASSWORD, dept, is_admin=True
        )


def seed() -> list[tuple[str, str]]:
    """Create the demo data once; return (user name, role) pairs to print."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        # an installation set up from its own file (`flask zlw setup`) has no demo accounts to print
        demo_unit = db.session.scalar(select(User.id).where(User.username == "unit1"))
        return accounts() if demo_unit is not None else []
    regions = orgs.ensure_regions()
    city = regions["市本级"]
    platform = orgs.create_org("platform", "包头市政务服务和数据管理局", OrgKind.DEPARTMENT, city, dept_type="admin")
    orgs.create_user("admin", "平台管理员", DEMO_PASSWORD, platform, is_admin=True, is_region_admin=True)
    orgs.create_user("auditor", "审计员", DEMO_PASSWORD, platform, is_auditor=True)
    orgs.create_user("analyst", "流程分析员", DEMO_PASSWORD, platform, is_analyst=True)
    unit = orgs.create_org(
        "demo_unit",
        "包头市城市建设投资有限公司",
        OrgKind.UNIT,
        city,
        credit_code="91150200MA0N00008X",
        contact_name="王经理",
        contact_phone="0472-5100000",
    )
    orgs.create_user("unit1", "项目单位 经办人", DEMO_PASSWORD, unit)
    agency = orgs.create_org(
        "demo_agency",
        "包头市正信工程咨询有限公司",
        OrgKind.AGENCY,
        city,
        credit_code="91150200MA0N00120W",
        contact_name="赵工",
        contact_phone="0472-5200000",
        service_types=["consulting", "supervision", "cost_audit"],
    )
    orgs.create_user("agency1", "中介机构 项目负责人", DEMO_PASSWORD, agency)
    for code, dept_type, username, display in CITY_DEPARTMENTS:
        _department(code, "包头市" + DEPT_TYPES[dept_type], dept_type, city, (username, display))
    for name, region in regions.items():
        if region.level != "district":
            continue
        for dept_type in DISTRICT_DEPT_TYPES:
            code = f"{region.code}_{dept_type}"
            _department(
                code, name + DEPT_TYPES[dept_type], dept_type, region, (f"{dept_type}1_{region.code}", f"{name}审查员")
            )
        orgs.create_user(
            f"admin_{region.code}",
            f"{name}管理员",
            DEMO_PASSWORD,
            orgs.org_by_code(f"{region.code}_ndrc"),
            is_region_admin=True,
        )  # type: ignore[arg-type]
    for name, specialties, employer, region_name in EXPERTS:
        db.session.add(Expert(name=name, specialties=specialties, employer=employer, region_id=regions[region_name].id))
    from .workdays.services import seed_public_holidays

    seed_public_holidays()
    for name, region_name, category, amount, dept, industry, policy, mode, status, (start, end) in PROJECTS:
        projects.create_project(
            None,
            name,
            unit.id,
            region_name,
            category,
            amount,
            competent_department_id=orgs.org_by_code(dept).id,  # type: ignore[union-attr]
            industry_type=industry,
            investment_policy=policy,
            construction_mode=mode,
            investment_mode="直接投资",
            management_status=status,
            start_year=start,
            end_year=end,
        )
    db.session.flush()
    first = db.session.scalars(select(Project).order_by(Project.id).limit(1)).one()
    db.session.add(
        Engagement(
            project_id=first.id,
            agency_id=agency.id,
            service_type="supervision",
            started_on=date(2026, 3, 1),
            created_by_id=db.session.scalars(select(User.id).where(User.username == "unit1")).one(),
        )
    )
    db.session.flush()
    return accounts()


def accounts() -> list[tuple[str, str]]:
    """The demo accounts and what they are for."""
    rows = [("unit1", "项目单位 project unit"), ("agency1", "中介机构 agency (supervision of the first project)")]
    rows += [(u, "包头市" + DEPT_TYPES[t]) for _, t, u, _ in CITY_DEPARTMENTS]
    rows += [("finance_chief", "财政局 科长 (section chief)"), ("finance_admin", "财政局 管理员 (department admin)")]
    rows += [
        ("admin", "平台管理员 (approves registrations, city)"),
        ("admin_150202", "东河区管理员 (approves registrations)"),
    ]
    rows += [("auditor", "审计员 (audit log)"), ("analyst", "流程分析员 (流程管理, 交换日志)")]
    return rows
