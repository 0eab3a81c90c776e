"""The demo's open call: the city finance bureau collects energy-saving projects; the demo unit applied three.

Added by the showcase (`flask zlw serve` / `seed-demo`), through the services as a user would: the
window opens on the last working day before last week and closes a month on, so it is open whenever
the demo is seeded; one of the three applications is withdrawn.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..engine.routing import today_local
from ..extensions import db
from ..orgs.models import User
from ..projects.models import Project
from ..workdays.services import is_working_day, load_exceptions
from . import applications, services
from .models import ProjectCall

TITLE = "中央转移支付节能减排资金项目征集（示范）"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _working_day(day: date, step: int) -> date:
    """The working day nearest `day` in the direction of `step` (day itself when it is one)."""
    exceptions = load_exceptions(day - timedelta(days=40), day + timedelta(days=40))
    while not is_working_day(day, exceptions):
        day += timedelta(days=step)
    return day


def seed() -> ProjectCall | None:
    """Open the demo call and apply the demo unit's three projects to it, once (flush only)."""
    if db.session.scalar(select(ProjectCall.id).where(ProjectCall.title == TITLE)) is not None:
        return None
    finance = db.session.scalars(select(User).where(User.username == "finance1")).one()
    unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
    today = today_local()
    form = MultiDict(
        {
            "title": TITLE,
            "opens_on": _working_day(today - timedelta(days=7), -1).isoformat(),
            "closes_on": _working_day(today + timedelta(days=30), 1).isoformat(),
            "funding_source": "central",
            "fund_name": "中央转移支付节能减排资金",
            "description": "征集全市节能减排示范项目，经专家网上评审后按评审结果安排资金。\n申报材料须真实、完整。",
            "slots": "项目申报书\n可行性研究报告",
        }
    )
    call = services.create_call(finance, form)
    services.publish_call(finance, call.id)
    projects = db.session.scalars(
        select(Project).where(Project.unit_id == unit.org_id).order_by(Project.id).limit(3)
    ).all()
    made = []
    for project in projects:
        uploads = {s["key"]: (f"{s['label']}.pdf", io.BytesIO(PDF)) for s in call.slots}
        made.append(applications.apply(unit, call.id, project.id, uploads))
    if made:
        applications.withdraw(unit, made[-1].id)
    return call
