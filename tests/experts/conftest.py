"""Fixtures: a pool of experts, a subject (unit + competent department), panels drawn through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from zerolegwork.experts import panels, services, sheets
from zerolegwork.experts.models import ReviewPanel
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Expert, Organisation, Region, User


def user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def org(code: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.code == code)).one()


@pytest.fixture
def subject(people: dict[str, Any]) -> dict[str, Any]:
    """The demo unit's first project: its unit, its competent department, the drawing department."""
    project = people["projects"][0]
    sheets.seed_sheets()
    db.session.commit()
    return {
        "project": project,
        "unit": db.session.get(Organisation, project.unit_id),
        "department": db.session.get(Organisation, project.competent_department_id),
        "drawer": user("finance1"),
        "admin": user("admin"),
    }


@pytest.fixture
def add_expert(subject: dict[str, Any]) -> Callable[..., Expert]:
    """Add an expert to the pool of 市本级 through the pool's service."""
    top = db.session.scalars(select(Region.id).where(Region.parent_id.is_(None))).one()

    def add(name: str, specialties: str, employer: str = "某某大学", conflicts: str = "", **extra: Any) -> Expert:
        form = {
            "name": name,
            "specialties": specialties,
            "employer": employer,
            "region_id": str(extra.get("region_id", top)),
            "available": "1",
            "conflicts": conflicts,
        }
        expert = services.add_expert(subject["admin"], form)
        db.session.commit()
        return expert

    return add


@pytest.fixture
def pool(add_expert: Callable[..., Expert]) -> list[Expert]:
    """Eight experts of 造价 and six of 结构 (two of them in both), none conflicted."""
    experts = [add_expert(f"造价专家{i}", "造价") for i in range(6)]
    experts += [add_expert(f"结构专家{i}", "结构") for i in range(4)]
    experts += [add_expert(f"双专业专家{i}", "造价,结构") for i in range(2)]
    return experts


@pytest.fixture
def draw_panel(subject: dict[str, Any]) -> Callable[..., ReviewPanel]:
    """Draw a panel for the subject through the service and commit."""

    def do(mix: dict[str, int] | None = None, seed: str = "seed-1", **kw: Any) -> ReviewPanel:
        panel = panels.draw_panel(
            kw.pop("by", subject["drawer"]),
            title=kw.pop("title", "测试评审"),
            unit_id=kw.pop("unit_id", subject["unit"].id),
            department_id=kw.pop("department_id", subject["department"].id),
            project_id=kw.pop("project_id", subject["project"].id),
            mix=mix or {"造价": 2, "结构": 1},
            sheet_code=kw.pop("sheet_code", "subsidy"),
            seed=seed,
            **kw,
        )
        db.session.commit()
        return panel

    return do


PASSWORD = "Zlw-Expert-2026!"


@pytest.fixture
def seat_users(subject: dict[str, Any]) -> Callable[..., list[User]]:
    """Give each member on a panel an account (the region administrator) and, unless told not to, sign."""
    from zerolegwork.experts import accounts

    def do(panel: ReviewPanel, declare: bool = True) -> list[User]:
        users = []
        for member in panel.active_members:
            if member.expert.user_id is None:
                form = {"username": f"expert{member.expert_id}", "password": PASSWORD, "password_repeat": PASSWORD}
                accounts.create_account(subject["admin"], member.expert_id, form)
            user = db.session.get(User, member.expert.user_id)
            if declare and member.state == "drawn":
                panels.declare(user, member, {"choice": "no_conflict", "confirm": "1"})
            users.append(user)
        db.session.commit()
        return users

    return do
