"""The demo's review: a pool of 30 experts across 6 fields with accounts expert1…expert30, and one finished review.

Added by the showcase after the demo call (calls/demo.py), through the services as people would: the
finance bureau chooses the first application, works each of the eleven steps, three drawn experts
declare and score; the second application is left unchosen for the README walkthrough.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from ..calls.models import ApplicationState, CallApplication, ProjectCall
from ..demo import DEMO_PASSWORD
from ..engine import runtime
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import today_local
from ..experts import accounts, panels, scoring, sheets
from ..experts.models import ReviewPanel
from ..extensions import db
from ..files import services as files
from ..inbox.complete import complete
from ..orgs.models import Expert, Region, User
from ..showcase import actor_of
from ..showcase_answers import site_photo
from . import services
from .models import ReviewCase

FIELDS = ("工程造价", "市政道路", "财务", "环境影响评价", "建筑结构", "给排水")
EMPLOYERS = ("内蒙古科技大学", "包头市工程咨询中心", "内蒙古财经大学", "包头市环境科学研究院", "包头市建筑设计研究院")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
POOL_SIZE = 30
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PLAN = {
    "method": "meeting",
    "mix": "工程造价:1, 财务:1, 市政道路:1",
    "aggregation": "mean",
    "criteria": "资金测算的合理性与绩效目标的可衡量性。",
    "presentation": "1",
    "defence": "1",
    "site_survey": "1",
}
SCORES = (
    {"compliance": "18", "necessity": "17", "feasibility": "22", "budget": "16", "performance": "12"},
    {"compliance": "17", "necessity": "18", "feasibility": "20", "budget": "17", "performance": "13"},
    {"compliance": "19", "necessity": "16", "feasibility": "21", "budget": "18", "performance": "12"},
)


def seed_pool() -> None:
    """Fill the city's pool to 30 experts, five per field, each with an account expertN (once)."""
    sheets.seed_sheets()  # the shipped scoring sheets (a database made without the migrations has none)
    top = db.session.scalars(select(Region).where(Region.parent_id.is_(None))).one()
    have = db.session.scalar(select(func.count(Expert.id))) or 0
    for i in range(have, POOL_SIZE):
        field = FIELDS[i % len(FIELDS)]
        name = f"{SURNAMES[i % len(SURNAMES)]}{'明华建军志强秀兰静怡晓东'[i % 10]}{i + 1}"
        employer = EMPLOYERS[i % len(EMPLOYERS)]
        db.session.add(Expert(name=name, specialties=[field], employer=employer, region_id=top.id))
    db.session.flush()
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    experts = db.session.scalars(select(Expert).order_by(Expert.id).limit(POOL_SIZE))
    for n, expert in enumerate(experts, start=1):
        if expert.user_id is None:
            form = {"username": f"expert{n}", "password": DEMO_PASSWORD, "password_repeat": DEMO_PASSWORD}
            accounts.create_account(admin, expert.id, form)
    db.session.flush()


def answers_for(step: str, today: str) -> dict[str, Any]:
    """What a careful reviewer enters at each step."""
    return {
        "accept_review": {"decision": "accept", "opinion": "申报材料齐全，接收评审。"},
        "make_plan": {**PLAN, "review_starts": today, "review_ends": today},
        "form_panel": {"confirm_draw": "1", "note": "按方案抽取。"},
        "material_review": {"note": "专家均已独立评分。"},
        "presentation": {
            "session_date": today,
            "place": "市财政局三楼会议室",
            "minutes": "项目单位陈述建设内容和资金测算。",
            "questions": "请说明自筹资金的来源。",
        },
        "defence": {"answers": "自筹资金由单位年度预算安排，已列入计划。"},
        "site_survey": {
            "survey_date": today,
            "location": "项目现场",
            "latitude": "40.657400",
            "longitude": "109.840300",
            "findings": "现场具备实施条件。",
        },
        "overall_assessment": {
            "verdict": "pass",
            "recommended_amount": "300.0000",
            "opinion": "同意通过，建议按评审金额安排资金。",
        },
        "use_results": {"opinion": "进入项目评审库。"},
        "archive": {"note": "评审资料归档。"},
    }[step]


def score(case: ReviewCase) -> None:
    """Every drawn expert signs the declaration and scores (their own accounts)."""
    panel = db.session.get(ReviewPanel, case.panel_id)
    for member, points in zip(panel.active_members, SCORES, strict=False):
        user = db.session.get(User, member.expert.user_id)
        panels.declare(user, member, {"choice": "no_conflict", "confirm": "1"})
        scoring.submit(user, panel, {**{f"score_{k}": v for k, v in points.items()}, "opinion": "同意"})
    db.session.flush()


def work(task: HumanTask, answers: dict[str, Any]) -> None:
    user = actor_of(task)
    for slot in runtime.task_form(task).get("evidence") or []:
        if isinstance(slot, dict) and slot.get("required") and task.project_id is not None:
            photo = slot["slot"].endswith("photo")
            name, content = (f"{slot['slot']}.png", site_photo(0)) if photo else (f"{slot['slot']}.pdf", PDF)
            files.upload(user, task.project_id, slot["slot"], name, io.BytesIO(content), task_id=task.id)
    complete(user, task.id, answers)
    db.session.flush()


def seed(call: ProjectCall | None) -> None:
    """The pool, then one finished review of the call's first application (flush only)."""
    seed_pool()
    if call is None:
        return
    first = db.session.scalars(
        select(CallApplication)
        .where(CallApplication.call_id == call.id, CallApplication.state == ApplicationState.SUBMITTED)
        .order_by(CallApplication.id)
    ).first()
    if first is None:
        return
    finance = db.session.scalars(select(User).where(User.username == "finance1")).one()
    services.start_reviews(finance, call, [first.id], "review", "纳入本批次评审。")
    case = db.session.scalars(select(ReviewCase).where(ReviewCase.application_id == first.id)).one()
    today = today_local().isoformat()
    for _turn in range(60):
        task = db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == case.instance_id, HumanTask.state == HumanTaskState.READY)
            .order_by(HumanTask.id)
        ).first()
        if task is None:
            break
        if (
            task.bpmn_id == "material_review"
            and not scoring.aggregate(db.session.get(ReviewPanel, case.panel_id)).complete
        ):
            score(case)
        work(task, answers_for(task.bpmn_id, today))
