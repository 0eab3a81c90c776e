"""A world for the fixed tables, overview and charts, built through the services; totals worked out by hand.

On top of the three demo projects (昆区 12800.0000 市政道路 住建局; 青山区 35600.5000 生态环保 生态环境局;
东河区 8650.2500 城市更新 住建局; all 0 cumulative, no lifecycle) the world adds, all of the demo unit:

  name  region  category  planned     cumulative (by progress reports)  department   stage         plan
  P1    市本级  市政道路  300.0000    200.0000                          住建局       construction  central 100 + city 200
  P2    九原区  房屋建筑  200.0000    1.0000                            —            —             —
  P4    昆区    市政道路  3200.0000   2000.0000                         发改委       construction  v1 central 3200; v2 bonds 1200 + city 2000
  P5    东河区  城市更新  349.7500    100.0000                          东河区财政局 —             district 349.75

Regional table (by hand):
  汇总      7  61100.5000  2301.0000   3.7659 % → 4
  市本级    1    300.0000   200.0000  66.67 % → 67
  旗县汇总  6  60800.5000  2101.0000   3.4556 % → 3
  1 东河区  2   9000.0000   100.0000   1.11 % → 1
  2 青山区  1  35600.5000     0.0000   0 % → 0
  3 昆区    2  16000.0000  2000.0000  12.5 % → 13 (half up)
  4 九原区  1    200.0000     1.0000   0.5 % → 1 (half up; banker's rounding would give 0)
  5–10      0      0.0000     0.0000   —
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tests.files.samples import image
from zerolegwork import demo
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import User
from zerolegwork.projects import services as projects
from zerolegwork.projects.models import Project
from zerolegwork.records import services as records
from zerolegwork.records.fields import PARTS, SOURCES


def plan(total: str, **funds: str) -> dict[str, Any]:
    """Investment plan answers: the whole total as construction cost, the given funding sources."""
    answers: dict[str, Any] = {"total": total, "term_years": 2, **{p: None for p in PARTS}}
    answers["construction_cost"] = total
    answers.update({f"fund_{s}": funds.get(s) for s in SOURCES})
    return answers


def progress(period: str, investment: str | None, funds: str | None = None, time: str | None = None,
             work: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "period": period,
        "time_progress": time,
        "work_quantity_progress": work,
        "investment_completed": investment,
        "funds_disbursed": funds,
        "image_note": None,
        "performance_note": None,
        "construction_complete": False,
    }


def _project(name: str, region: str, category: str, planned: str, dept: str | None, unit_id: int) -> Project:
    dept_id = orgs.org_by_code(dept).id if dept else None  # type: ignore[union-attr]
    return projects.create_project(
        None, name, unit_id, region, category, Decimal(planned), competent_department_id=dept_id, start_year=2026
    )


def build_world() -> dict[str, Any]:
    """Seed the demo, add P1, P2, P4, P5 with plans, progress reports, stages and photos; commit."""
    demo.seed()
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    unit = users["unit1"]
    p1 = _project("市本级道路项目P1", "市本级", "市政道路", "300.0000", "housing", unit.org_id)
    p2 = _project("九原区房屋项目P2", "九原区", "房屋建筑", "200.0000", None, unit.org_id)
    p4 = _project("昆区道路项目P4", "昆区", "市政道路", "3200.0000", "ndrc", unit.org_id)
    p5 = _project("东河区更新项目P5", "东河区", "城市更新", "349.7500", "150202_finance", unit.org_id)
    write = records.write
    write("investment_plan", p1.id, plan("300", central="100", city="200"), unit.id, None)
    write("investment_plan", p4.id, plan("3200", central="3200"), unit.id, None)
    write("investment_plan", p4.id, plan("3200", bonds="1200", city="2000"), unit.id, None)
    write("investment_plan", p5.id, plan("349.75", district="349.75"), unit.id, None)
    write("progress_report", p1.id, progress("2026-01", "100", "80", "30", "20"), unit.id, None)
    write("progress_report", p1.id, progress("2026-02", "200", "150", "60", "50"), unit.id, None)
    # a later correction of January: the chart shows it, the project's cumulative stays February's
    write("progress_report", p1.id, progress("2026-01", "120", "80", "30", "20"), unit.id, None)
    write("progress_report", p2.id, progress("2026-01", "1"), unit.id, None)
    write("progress_report", p4.id, progress("2026-02", "2000", "1000", "40", "30"), unit.id, None)
    write("progress_report", p5.id, progress("2026-03", "100", "100"), unit.id, None)
    for p in (p1, p4):
        projects.follow_outcome(p.id, {"lifecycle_stage": "construction"}, {})
    db.session.commit()
    return {"users": users, "p1": p1.id, "p2": p2.id, "p4": p4.id, "p5": p5.id}


def add_photos(world: dict[str, Any]) -> dict[str, int]:
    """A site photo and a construction-log photo of P1, and a document that is no photo; commit."""
    from zerolegwork.files import services as files
    from zerolegwork.projects import log

    unit = world["users"]["unit1"]
    site = files.upload(unit, world["p1"], "site_photo", "现场.png", io.BytesIO(image()))
    day = (date.today() - timedelta(days=30)).isoformat()
    entry = log.add_entry(unit, world["p1"], day, "主体结构施工")
    logged = files.upload(unit, world["p1"], log.photo_slot(entry.id), "日志.png", io.BytesIO(image()))
    db.session.commit()
    return {"site": site.id, "log": logged.id, "entry_date": day}


REGIONAL_ROWS = [
    ("", "汇总", "7", "61,100.5000", "2,301.0000", "4", ""),
    ("", "市本级", "1", "300.0000", "200.0000", "67", ""),
    ("", "旗县汇总", "6", "60,800.5000", "2,101.0000", "3", ""),
    ("1", "东河区", "2", "9,000.0000", "100.0000", "1", ""),
    ("2", "青山区", "1", "35,600.5000", "0.0000", "0", ""),
    ("3", "昆区", "2", "16,000.0000", "2,000.0000", "13", ""),
    ("4", "九原区", "1", "200.0000", "1.0000", "1", ""),
    ("5", "开发区", "0", "0.0000", "0.0000", "—", ""),
    ("6", "土右旗", "0", "0.0000", "0.0000", "—", ""),
    ("7", "石拐区", "0", "0.0000", "0.0000", "—", ""),
    ("8", "固阳县", "0", "0.0000", "0.0000", "—", ""),
    ("9", "白云矿区", "0", "0.0000", "0.0000", "—", ""),
    ("10", "达茂旗", "0", "0.0000", "0.0000", "—", ""),
]
