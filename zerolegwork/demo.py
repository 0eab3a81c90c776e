"""Demo organisations, people and projects for the embedded default and the browser tests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from .orgs import services as orgs
from .orgs.models import OrgKind, User
from .projects import services as projects

DEMO_PASSWORD = "Zlw-Demo-2026!"  # noqa: S105 - printed demo password for the embedded default

DEPARTMENTS = [
    ("finance", "市财政局", "finance1", "财政局 审查员"),
    ("ndrc", "市发展和改革委员会", "ndrc1", "发改委 审查员"),
    ("environment", "市生态环境局", "env1", "生态环境局 审查员"),
    ("housing", "市住房和城乡建设局", "housing1", "住建局 审查员"),
]

PROJECTS = [
    ("2026-150200-48-01-000001", "包头市昆区友谊大街道路改造工程", "昆区", "市政道路", Decimal("12800.0000")),
    ("2026-150200-48-01-000002", "青山区第三污水处理厂扩建项目", "青山区", "生态环保", Decimal("35600.5000")),
    ("2026-150200-48-01-000003", "东河区老旧小区改造（一期）", "东河区", "城市更新", Decimal("8650.2500")),
]


def seed() -> list[tuple[str, str]]:
    """Create the demo organisations, accounts and projects once; return (user name, role) pairs."""
    if db_has_users():
        return accounts()
    unit = orgs.create_org("demo_unit", "包头市城市建设投资有限公司", OrgKind.UNIT, region="市本级")
    orgs.create_user("unit1", "项目单位 经办人", DEMO_PASSWORD, unit)
    for code, name, username, display in DEPARTMENTS:
        dept = orgs.create_org(code, name, OrgKind.DEPARTMENT)
        orgs.create_user(username, display, DEMO_PASSWORD, dept)
    admin_org = orgs.create_org("platform", "平台运维", OrgKind.DEPARTMENT)
    orgs.create_user("admin", "平台管理员", DEMO_PASSWORD, admin_org, is_admin=True)
    for code, name, region, category, amount in PROJECTS:
        projects.create_project(code, name, unit.id, region, category, amount)
    return accounts()


def db_has_users() -> bool:
    from .extensions import db

    return db.session.scalar(select(User.id).limit(1)) is not None


def accounts() -> list[tuple[str, str]]:
    """The demo accounts and what they are for."""
    return [("unit1", "项目单位 project unit")] + [(u, n) for _, n, u, _ in DEPARTMENTS] + [("admin", "管理员 admin")]
