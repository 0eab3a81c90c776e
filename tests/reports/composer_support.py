"""Projects and records for the self-composed report tests, built through the services, numbers worked by hand.

Five projects. P1–P3 are the demo projects of unit1 (demo_unit); P4 and P5 belong to another unit.

| | region | level | category | dept | start | planned | records |
|---|---|---|---|---|---|---|---|
| P1 友谊大街 | 昆区 | district | 市政道路 | housing | 2026 | 12800 | plan v1 (central 5000, city 7800), plan v2 (central 6000, city 4000, bonds 2800); progress 2026-03 (inv 1000, funds 800), 2026-05 (inv 3000, funds 2500); contracts 2000 + 1500.5; procurement 4000/3800 and 1000/950.25; acceptance failed 2026-06-01 then passed 2026-07-01; evaluation 80 良 then 92.5 优 |
| P2 污水厂 | 青山区 | district | 生态环保 | environment | 2026 | 35600.5 | plan (district 5600.5, bonds 30000); progress 2026-04 (inv 10680.15, funds 9000); acceptance failed; evaluation 70 中 |
| P3 老旧小区 | 东河区 | district | 城市更新 | housing | 2025 | 8650.25 | progress 2026-02 (inv 8650.25, funds blank); contract 8000 |
| P4 智慧城市 | 市本级 | city | 信息化 | ndrc | 2025 | 2000 | plan (central 2000) |
| P5 东河区其他 | 东河区 | district | 其他 | — | — | 1000 | none |

Totals: planned 60050.75, cumulative 22330.4 (3000 + 10680.15 + 8650.25), 完成进度 37% (37.19 → 37),
funds disbursed 11500, contracts 11500.5, procurement budget 5000 / award 4750.25 / savings 249.75,
acceptance passed 1 (P1's latest) failed 1 (P2), evaluation average (92.5 + 70) / 2 = 81.25, 优 1,
funding amount 50400.5 (current plans only: 12800 + 35600.5 + 2000).
"""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.records.support import answers
from zerolegwork.db import utcnow
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import OrgKind, User
from zerolegwork.projects import services as projects
from zerolegwork.records import services as records

D = Decimal


def plan(project: Any, actor: User, **funds: str) -> Any:
    total = sum((D(v) for v in funds.values()), D(0))
    values = answers(
        "investment_plan",
        total=str(total),
        construction_cost=str(total),
        equipment_cost=None,
        other_cost=None,
        contingency=None,
        **{
            f"fund_{s}": None
            for s in ("central", "provincial", "city", "district", "bonds", "bank_loans", "self_raised", "other")
        },
    )
    values.update({f"fund_{k}": v for k, v in funds.items()})
    return records.write("investment_plan", project.id, values, actor.id, None)


def progress(project: Any, actor: User, period: str, invested: str | None, disbursed: str | None) -> Any:
    values = answers("progress_report", period=period, investment_completed=invested, funds_disbursed=disbursed)
    return records.write("progress_report", project.id, values, actor.id, None)


def write(kind: str, project: Any, actor: User, **changes: Any) -> Any:
    return records.write(kind, project.id, answers(kind, **changes), actor.id, None)


def tick() -> datetime:
    """A moment strictly between the records written before and after it."""
    time.sleep(0.002)
    moment = utcnow()
    time.sleep(0.002)
    return moment


def build_world(people: dict[str, Any]) -> dict[str, Any]:
    """The five projects and their records (committed); returns them with the users and as-of moments."""
    users = people["users"]
    p1, p2, p3 = people["projects"]
    actor = users["unit1"]
    regions = orgs.ensure_regions()
    other = orgs.create_org("composer_other_unit", "东河区另一建设单位", OrgKind.UNIT, regions["东河区"])
    p4 = projects.create_project(
        None,
        "市本级智慧城市平台",
        other.id,
        "市本级",
        "信息化",
        D("2000"),
        competent_department_id=orgs.org_by_code("ndrc").id,  # type: ignore[union-attr]
        industry_type="信息化",
        investment_policy="一般公共预算",
        construction_mode="新建",
        investment_mode="投资补助",
        management_status="在建",
        start_year=2025,
        end_year=2026,
    )
    p5 = projects.create_project(None, "东河区其他项目", other.id, "东河区", "其他", D("1000"))
    db.session.commit()
    moments: dict[str, datetime] = {}

    plan(p1, actor, central="5000", city="7800")
    write("acceptance", p1, actor, result="failed", accepted_on="2026-06-01")
    write("performance_evaluation", p1, actor, score="80", grade="良")
    db.session.commit()
    moments["before_v2"] = tick()
    plan(p1, actor, central="6000", city="4000", bonds="2800")
    progress(p1, actor, "2026-03", "1000", "800")
    progress(p1, actor, "2026-05", "3000", "2500")
    write("contract", p1, actor, amount="2000")
    write("contract", p1, actor, amount="1500.5")
    write("procurement", p1, actor, budget="4000", award_amount="3800")
    write("procurement", p1, actor, budget="1000", award_amount="950.25")
    write("acceptance", p1, actor, result="passed", accepted_on="2026-07-01")
    write("performance_evaluation", p1, actor, score="92.5", grade="优")

    plan(p2, actor, district="5600.5", bonds="30000")
    progress(p2, actor, "2026-04", "10680.15", "9000")
    write("acceptance", p2, actor, result="failed", accepted_on="2026-08-01")
    write("performance_evaluation", p2, actor, score="70", grade="中")

    progress(p3, actor, "2026-02", "8650.25", None)
    write("contract", p3, actor, amount="8000")

    plan(p4, actor, central="2000")
    db.session.commit()
    moments["built"] = tick()
    return {
        "projects": {"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5},
        "users": users,
        "moments": moments,
        "other_unit": other,
    }


def user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()
