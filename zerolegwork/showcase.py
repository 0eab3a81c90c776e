"""The demo's showcase: projects walked through their lifecycle by the platform's own services.

`flask zlw serve` and `seed-demo` add it to the demo (demo.seed) so that a first look shows what the
platform does: a project at every lifecycle stage, progress reports with site photos (the charts are
drawn), a matter returned to its unit, an overdue task, a 审批 chain of 经办 → 科长 → 分管领导 at the
city's 工信局 (competent department of two of them), and a 市本级 project located in 东河区. Every step
is a task completed through inbox.services.complete as the person it is routed to; every upload goes
through files.upload.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from .db import utcnow
from .engine import runtime
from .engine.models import HumanTask, HumanTaskState
from .extensions import db
from .files import services as files
from .inbox import services as inbox
from .orgs import services as orgs
from .orgs import structure
from .orgs.models import ApprovalMode, Organisation, Post, PostMember, User
from .projects import life
from .projects import services as projects
from .projects.library import choose_functions
from .projects.models import Project

CHAIN_DEPARTMENT = "economy_it"  # the city 工信局: no other demo path signs in its 审批 mode
SHOWCASE_MARK = "（示范）"  # in the name of every showcase project: the demo test and people can tell them
LEADER = ("econ_leader", "工信局 分管领导")
ACCOUNTS = [
    ("econ1", "工信局 经办 (the 3-step 审批 chain: 经办 → 科长 econ_chief → 分管领导 econ_leader)"),
    (LEADER[0], LEADER[1] + " (last level of that chain)"),
    ("expert1", "评审专家 expert1 … expert30 (30 experts in 6 fields; each sees only the panels they are on)"),
    ("evaluator1", "第三方绩效评价机构 (the demo's performance evaluation order)"),
]
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
FUNCTIONS = {
    "procedures": ["feasibility"],
    "procurement": ["works"],
    "contracts": ["contract_filing"],
    "progress": ["time", "work_quantity", "investment", "funds", "image"],
    "acceptance": ["joint"],
    "performance": ["goals", "self_evaluation", "use_of_results"],
}
CONFIRM = {"decision": "confirm", "opinion": "经核对，同意。"}
RETURN = {"decision": "return", "opinion": "建设期限与可研批复不一致，请核实后重新提交。"}
# period, time %, work-quantity %, share of the planned investment completed, share disbursed
PROGRESS = [
    ("2026-03", "15", "10", Decimal("0.12"), Decimal("0.10")),
    ("2026-06", "40", "35", Decimal("0.38"), Decimal("0.30")),
    ("2026-09", "70", "66", Decimal("0.64"), Decimal("0.55")),
    ("2026-12", "100", "100", Decimal("0.95"), Decimal("0.85")),
]


@dataclass(frozen=True)
class Showcase:
    """One showcase project: where it stops, and how many progress reports it files on the way."""

    name: str
    region: str
    category: str
    amount: Decimal
    department: str
    target: str  # a lifecycle stage, or "returned"
    level: str | None = None
    reports: int = 0
    stop_at: str | None = None  # stop earlier: when this task waits (a check at the department, the sign-off)


SHOWCASES = [
    Showcase(
        "东河区南门外大街排水管网改造" + SHOWCASE_MARK,
        "东河区",
        "生态环保",
        Decimal("2600.0000"),
        "economy_it",
        "information",
        stop_at="check_information",
    ),
    Showcase(
        "九原区哈林格尔镇供热管网工程" + SHOWCASE_MARK,
        "九原区",
        "城市更新",
        Decimal("4300.0000"),
        "housing",
        "returned",
    ),
    Showcase(
        "昆区阿尔丁大街综合整治工程" + SHOWCASE_MARK,
        "昆区",
        "市政道路",
        Decimal("9800.0000"),
        "housing",
        "investment",
        stop_at="department_review",
    ),
    Showcase(
        "青山区青年路快速化改造工程" + SHOWCASE_MARK,
        "青山区",
        "市政道路",
        Decimal("6500.0000"),
        "housing",
        "preparation",
    ),
    Showcase(
        "包头市黄河湿地生态修复工程" + SHOWCASE_MARK,
        "东河区",
        "生态环保",
        Decimal("15600.0000"),
        "economy_it",
        "construction",
        level="city",  # a 市本级 project located in 东河区 (projects/levels.py)
        reports=3,
    ),
    Showcase(
        "昆区体育场周边道路提升工程" + SHOWCASE_MARK,
        "昆区",
        "市政道路",
        Decimal("3200.0000"),
        "housing",
        "acceptance",
        reports=4,
    ),
    Showcase(
        "青山区富强路人行道改造工程" + SHOWCASE_MARK,
        "青山区",
        "市政道路",
        Decimal("1800.0000"),
        "housing",
        "performance",
        reports=4,
    ),
    Showcase(
        "东河区巴彦塔拉大街照明工程" + SHOWCASE_MARK,
        "东河区",
        "市政道路",
        Decimal("1200.0000"),
        "housing",
        "completed",
        reports=4,
    ),
]


def seed() -> None:
    """Add the showcase once (flush only); a database that has it already is left alone."""
    if db.session.scalar(select(Project.id).where(Project.name.contains(SHOWCASE_MARK)).limit(1)) is not None:
        return
    three_step_chain()
    unit_user = _user("unit1")
    for case in SHOWCASES:
        walk(unit_user, case)
    overdue_one()
    from .calls import demo as calls_demo

    call = calls_demo.seed()  # an open call for projects with the demo unit's applications
    from .funds import demo as funds_demo
    from .reviews import demo as reviews_demo

    funds_demo.seed()  # the first demo project's fund ledger, with one payment still waiting for its voucher
    reviews_demo.seed(call)  # 30 experts with accounts, one review of the call finished
    from .review_library import demo as library_demo

    library_demo.seed(call)  # the finished review's library entry: the call's total and one budget arrangement
    from .orders import demo as orders_demo

    orders_demo.seed()  # one service order per kind; the accepted cost audit caps the funds demo's contract


def three_step_chain() -> None:
    """The city 工信局 approves (审批) through 经办 → 科长 → 分管领导; its 分管领导 gets an account."""
    from .demo import DEMO_PASSWORD

    dept = orgs.org_by_code(CHAIN_DEPARTMENT)
    assert dept is not None
    posts = {p.name: p for p in db.session.scalars(select(Post).where(Post.org_id == dept.id))}
    leader = orgs.create_user(LEADER[0], LEADER[1], DEMO_PASSWORD, dept)
    structure.assign(posts["分管领导岗"], leader)
    structure.set_chain(dept, ApprovalMode.APPROVAL, [posts["经办岗"], posts["科长岗"], posts["分管领导岗"]])


def walk(unit_user: User, case: Showcase) -> Project:
    """Register the project, choose its functions, start its life and act on its tasks until it stands at the target."""
    department = orgs.org_by_code(case.department)
    assert department is not None
    project = projects.create_project(
        None,
        case.name,
        unit_user.org_id,
        case.region,
        case.category,
        case.amount,
        competent_department_id=department.id,
        industry_type="市政公用",
        investment_policy="一般公共预算",
        construction_mode="新建",
        investment_mode="直接投资",
        management_status="前期",
        start_year=2026,
        end_year=2027,
        level=case.level,
    )
    db.session.flush()
    choose_functions(unit_user, project, FUNCTIONS)
    life.start_lifecycle(unit_user, project.id)
    reports = iter(PROGRESS[: case.reports])
    for _step in range(80):  # a whole life is about forty tasks; the bound only stops a mistake
        db.session.refresh(project, ["stage", "state"])
        # under construction, it goes on until its progress reports are filed (they end the loop below)
        if case.stop_at is None and project.stage == case.target and case.target != "construction":
            break
        if case.target == "returned" and project.state == "returned":
            break
        task = _next_task(project)
        if task is None or task.bpmn_id == case.stop_at:
            break
        if task.bpmn_id == "report_progress":
            report = next(reports, None)
            if report is None:
                break  # under construction: the reports filed so far are what the charts show
            _photo(task, PROGRESS.index(report))
            _complete(task, _progress(project, report, last=report == PROGRESS[-1]))
            continue
        if case.target == "returned" and task.bpmn_id == "check_information":
            _complete(task, RETURN)
            continue
        _complete(task, _answers(project, task))
    return project


def overdue_one() -> None:
    """One waiting department task is past its time limit (as if it had come in three weeks ago)."""
    task = db.session.scalars(
        select(HumanTask)
        .join(Project, Project.id == HumanTask.project_id)
        .where(
            Project.name.contains(SHOWCASE_MARK),
            HumanTask.state == HumanTaskState.READY,
            HumanTask.bpmn_id == "department_review",
            HumanTask.org_code == "ndrc",
        )
        .limit(1)
    ).first()
    if task is not None:
        task.due_at = utcnow() - timedelta(days=2)
        db.session.flush()


def _next_task(project: Project) -> HumanTask | None:
    return db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == project.lifecycle_id, HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
        .limit(1)
        .execution_options(populate_existing=True)  # the engine writes task rows with Core: read them afresh
    ).first()


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def actor_of(task: HumanTask) -> User:
    """Who acts: a holder of the task's post at its step, else the organisation's first ordinary member."""
    if task.post_id is not None:
        return db.session.scalars(
            select(User).join(PostMember, PostMember.user_id == User.id).where(PostMember.post_id == task.post_id)
        ).first()  # type: ignore[return-value]
    return db.session.scalars(
        select(User)
        .join(Organisation, Organisation.id == User.org_id)
        .where(Organisation.code == task.org_code, User.is_admin.is_(False))
        .order_by(User.id)
    ).first()  # type: ignore[return-value]


def _complete(task: HumanTask, answers: dict[str, Any]) -> None:
    user = actor_of(task)
    for slot in runtime.task_form(task).get("evidence") or []:
        if isinstance(slot, dict) and slot.get("required") and task.project_id is not None:
            files.upload(user, task.project_id, slot["slot"], f"{slot['slot']}.pdf", io.BytesIO(PDF), task_id=task.id)
    inbox.complete(user, task.id, answers)
    db.session.flush()


def _photo(task: HumanTask, step: int) -> None:
    """The unit's dated site photo of this period, uploaded on the progress report (形象进度)."""
    from .showcase_answers import site_photo

    if task.project_id is not None:
        name = f"现场照片-{PROGRESS[step][0]}.png"
        files.upload(actor_of(task), task.project_id, "site_photo", name, io.BytesIO(site_photo(step)), task_id=task.id)


def _answers(project: Project, task: HumanTask) -> dict[str, Any]:
    """The answers a careful user gives at each step of the lifecycle (forms/*.json)."""
    from . import showcase_answers as answers

    context = runtime.task_context(task)
    return answers.for_task(task.bpmn_id, project, context, CONFIRM)


def _progress(project: Project, report: tuple[str, str, str, Decimal, Decimal], last: bool) -> dict[str, Any]:
    from . import showcase_answers as answers

    return answers.progress(project, report, last)
