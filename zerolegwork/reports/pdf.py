"""The project report (一个报告全部内容): one PDF per project, in Chinese, made with reportlab.

The report is a Chinese document whatever the reader's interface language (like the fixed statistics
tables), so its words are written here in Chinese rather than through the message catalog. Amounts
are 万元 printed from Decimal with four places; floats only place the points of the charts.
`gather()` reads a project in a bounded number of queries (about twenty, whatever its size), and
`build()` lays it out; `render()` is both, for the batch job, which has already checked visibility.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.models import AuditEvent
from ..db import utcnow
from ..engine import runtime, view
from ..engine.errors import EngineError
from ..engine.models import HumanTask, HumanTaskState, ProcessDefinition, TaskStep
from ..extensions import db
from ..files.models import Attachment
from ..files.slots import slots_of
from ..i18n import local_time, money
from ..orgs.models import Organisation, User
from ..projects import functions as catalog
from ..projects.classification import STAGES
from ..projects.errors import ProjectNotFoundError
from ..projects.library import chosen_functions
from ..projects.models import Project
from ..records.services import records_of

FONT = "STSong-Light"  # Adobe's CID font: every PDF reader has it, so nothing is embedded
MONO = "Courier"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
NUMERALS = "一二三四五六七八九十"
LIFECYCLE = "lifecycle"

LEVELS = {"city": "市本级", "district": "旗县区"}
PROJECT_STATES = {
    "draft": "草稿",
    "in_approval": "审批中",
    "approved": "已批准",
    "returned": "已退回",
    "closed": "已关闭",
}
PROCESS_STATES = {"done": "已完成", "active": "办理中", "pending": "未开始", "not_started": "未启动"}
COST_PARTS = {
    "construction_cost": "建安工程费",
    "equipment_cost": "设备购置费",
    "other_cost": "工程建设其他费用",
    "contingency": "预备费",
}
FUNDING_SOURCES = {
    "central": "中央转移支付",
    "provincial": "省级资金",
    "city": "市级资金",
    "district": "区级资金",
    "bonds": "专项债券",
    "bank_loans": "银行贷款",
    "self_raised": "自筹资金",
    "other": "其他资金",
}
PROCUREMENT_TYPES = {"works": "工程", "goods": "货物", "services": "服务"}
ACCEPTANCE_TYPES = {"specialist": "专项验收", "joint": "联合验收", "self": "自主验收"}
ACCEPTANCE_RESULTS = {"passed": "通过", "conditional": "整改后通过", "failed": "不通过"}
EVALUATION_STAGES = {"monitoring": "目标监控", "self": "自评价", "third_party": "第三方评价", "key": "重点评价"}
DECISIONS = {
    "approve": "同意",
    "reject": "不同意",
    "confirm": "确认",
    "return": "退回修改",
    "resubmit": "重新提交",
    "withdraw": "撤回",
}
INFO_FIELDS = {
    "investment_policy": "投资政策",
    "industry_type": "行业类型",
    "category": "项目类别",
    "construction_mode": "建设性质",
    "investment_mode": "投资方式",
    "management_status": "管理状态",
    "start_year": "开工年份",
    "end_year": "完工年份",
    "planned_investment": "计划总投资（万元）",
}
GRID = colors.HexColor("#9aa5b1")
HEAD = colors.HexColor("#e8eef5")
PLAN_COLOR = colors.HexColor("#9aa5b1")
SERIES_COLORS = (colors.HexColor("#1f6fb2"), colors.HexColor("#d9822b"), colors.HexColor("#2e9e5b"))


@dataclass
class ReportData:
    """What one project's report shows, read from the database in a bounded number of queries."""

    project: Project
    chosen: dict[str, list[str]]
    states: dict[str, str]
    records: dict[str, list[Any]]
    people: dict[int, str]
    tasks: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    attachments: list[Attachment]
    slot_labels: dict[str, str] = field(default_factory=dict)


def project_report(user: User, project_id: int, generated_at: datetime | None = None) -> bytes:
    """The PDF report of a project the user may see; ProjectNotFoundError (404) for any other."""
    from ..projects.services import get_visible_project

    project = get_visible_project(user, project_id)
    return render(project.id, generated_at)


def download(user: User, project_id: int) -> tuple[str, bytes]:
    """The report as a download for a user who may see the project: its file name and bytes; audited (flush only)."""
    from ..audit import services as audit
    from ..projects.services import get_visible_project

    project = get_visible_project(user, project_id)
    data = render(project.id)
    audit.record("report.project_pdf", "project", project.id, user.id, size=len(data))
    return file_name(project), data


def render(project_id: int, generated_at: datetime | None = None) -> bytes:
    """The PDF of a project, without a visibility check (the caller made it); same data and time, same bytes."""
    return build(gather(project_id), generated_at or utcnow())


def file_name(project: Project) -> str:
    """`<code>_<name>.pdf` with nothing a file system or a ZIP reader could misread."""
    safe = "".join(c if c.isalnum() or c in "-_（）()" else "_" for c in project.name).strip("_")[:80]
    code = "".join(c if c.isalnum() or c == "-" else "_" for c in project.code)
    return f"{code}_{safe or 'project'}.pdf"


# ---- reading


def gather(project_id: int) -> ReportData:
    """Everything the report shows of one project."""
    project = db.session.scalars(
        select(Project)
        .options(joinedload(Project.unit), joinedload(Project.competent_department))
        .where(Project.id == project_id)
    ).first()
    if project is None:
        raise ProjectNotFoundError(str(project_id))
    records = records_of(project.id)
    actor_ids = {r.actor_id for rows in records.values() for r in rows if r.actor_id}
    people = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all())
    attachments = list(
        db.session.scalars(
            select(Attachment)
            .options(joinedload(Attachment.uploaded_by))
            .where(Attachment.project_id == project.id)
            .order_by(Attachment.slot, Attachment.version.desc())
        )
    )
    return ReportData(
        project=project,
        chosen=chosen_functions(project.id),
        states=_process_states(project),
        records=records,
        people=people,
        tasks=_completed_tasks(project.id),
        opinions=_signoff_opinions(project),
        attachments=attachments,
        slot_labels=_slot_labels(),
    )


def _process_states(project: Project) -> dict[str, str]:
    if project.lifecycle_id is None:
        return {}
    positions = view.positions(project.lifecycle_id)
    return {p.key: positions.get(f"call_{p.key}", "pending") for p in catalog.PROCESSES}


def _signoff_opinions(project: Project) -> list[dict[str, Any]]:
    """The joint sign-off's opinions as its process data keeps them (every round)."""
    instance_id = project.lifecycle_id or project.instance_id
    if instance_id is None:
        return []
    try:
        opinions = runtime.instance_data(instance_id).get("opinions") or []
    except EngineError:
        return []
    return [o for o in opinions if isinstance(o, dict)]


def _completed_tasks(project_id: int) -> list[dict[str, Any]]:
    """The project's completed tasks, oldest first, with who completed them, the decision and the opinion."""
    rows = db.session.execute(
        select(HumanTask.id, HumanTask.title, HumanTask.completed_at, User.display_name, Organisation.name)
        .join(User, User.id == HumanTask.completed_by_id)
        .outerjoin(Organisation, Organisation.code == HumanTask.org_code)
        .where(HumanTask.project_id == project_id, HumanTask.state == HumanTaskState.COMPLETED)
        .order_by(HumanTask.completed_at, HumanTask.id)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    answers: dict[int, dict[str, Any]] = {}
    for object_id, detail in db.session.execute(
        select(AuditEvent.object_id, AuditEvent.detail).where(
            AuditEvent.object_type == "human_task",
            AuditEvent.action == "task.complete",
            AuditEvent.object_id.in_([str(i) for i in ids]),
        )
    ):
        if isinstance(detail, dict) and isinstance(detail.get("answers"), dict):
            answers[int(object_id)] = detail["answers"]
    steps: dict[int, list[tuple[int, str, dict[str, Any], datetime]]] = {}
    for task_id, position, name, step_answers, at in db.session.execute(
        select(TaskStep.human_task_id, TaskStep.position, User.display_name, TaskStep.answers, TaskStep.at)
        .join(User, User.id == TaskStep.user_id)
        .where(TaskStep.human_task_id.in_(ids))
        .order_by(TaskStep.human_task_id, TaskStep.position)
    ):
        steps.setdefault(task_id, []).append((position, name, step_answers or {}, at))
    out = []
    for r in rows:
        given = answers.get(r.id, {})
        out.append(
            {
                "title": r.title,
                "org": r.name or "",
                "who": r.display_name,
                "at": r.completed_at,
                "decision": str(given.get("decision") or ""),
                "opinion": str(given.get("opinion") or given.get("note") or ""),
                "steps": steps.get(r.id, []),
            }
        )
    return out


_SLOT_LABELS: dict[str, dict[str, str]] = {}


def _slot_labels() -> dict[str, str]:
    """Evidence slot -> Chinese label, from the forms of the newest lifecycle (read once per deployment)."""
    sha = db.session.scalar(
        select(ProcessDefinition.sha256)
        .where(ProcessDefinition.process_id == LIFECYCLE)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    labels = {"site_photo": "现场照片"}
    if sha is None:
        return labels
    if sha not in _SLOT_LABELS:
        bundle = runtime.latest_definition(LIFECYCLE).bundle
        found = dict(labels)
        for form in (bundle.get("forms") or {}).values():
            for slot in slots_of(form):
                found.setdefault(slot.key, slot.title("zh_CN"))
        _SLOT_LABELS.clear()
        _SLOT_LABELS[sha] = found
    return _SLOT_LABELS[sha]


# ---- layout


@cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@cache
def _styles() -> dict[str, ParagraphStyle]:
    _register_font()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontSize=18, leading=24, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=11, leading=16),
        "h1": ParagraphStyle("h1", base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=5),
        "h2": ParagraphStyle("h2", base, fontSize=10.5, leading=15, spaceBefore=7, spaceAfter=3),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10.5),
        "head": ParagraphStyle("head", base, fontSize=8, leading=10.5, alignment=TA_CENTER),
        "muted": ParagraphStyle("muted", base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")),
        "mono": ParagraphStyle("mono", base, fontName=MONO, fontSize=6.8, leading=9),
    }


def _p(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), _styles()[style])


def _amount(value: Decimal | None) -> str:
    return "—" if value is None else money(value)


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value):.2f}%"


def _date(value: Any) -> str:
    return value.isoformat() if value is not None else "—"


def _table(
    head: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[float], numeric: Sequence[int] = ()
) -> Table:
    """A grid table with a shaded head row; cells wrap, number columns align right."""
    styles = _styles()
    data: list[list[Any]] = [[Paragraph(escape(h), styles["head"]) for h in head]]
    right = ParagraphStyle("num", styles["cell"], alignment=2)
    for row in rows:
        data.append(
            [
                c
                if not isinstance(c, str | int | Decimal)
                else Paragraph(escape(str(c)), right if i in numeric else styles["cell"])
                for i, c in enumerate(row)
            ]
        )
    table = Table(data, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1)
    table.setStyle(_grid_style())
    return table


def _pairs(items: Sequence[tuple[str, object]]) -> Table:
    """Label/value pairs, two to a row."""
    styles = _styles()
    rows = []
    for i in range(0, len(items), 2):
        row: list[Any] = []
        for label, value in items[i : i + 2]:
            row += [Paragraph(escape(label), styles["cell"]), _p(value)]
        row += [""] * (4 - len(row))
        rows.append(row)
    table = Table(rows, colWidths=[FRAME_WIDTH * w for w in (0.16, 0.34, 0.16, 0.34)])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD),
                ("BACKGROUND", (2, 0), (2, -1), HEAD),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _grid_style(extra: list[Any] | None = None) -> TableStyle:
    """The ruled table with a shaded header row that every list in the report uses."""
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            *(extra or []),
        ]
    )


def _qr(code: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(code, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def build(data: ReportData, generated_at: datetime) -> bytes:
    """Lay out the report of `data` as PDF bytes; `generated_at` (UTC) is printed on every page."""
    styles = _styles()
    p = data.project
    stamp = local_time(generated_at)
    story: list[Any] = []
    heading = [
        Paragraph(escape(p.name), styles["title"]),
        Paragraph("项目报告（一个报告全部内容）", styles["subtitle"]),
        Paragraph(f"项目代码：{escape(p.code)}", styles["subtitle"]),
        Paragraph(f"生成时间：{stamp}（北京时间）　单位：万元", styles["muted"]),
    ]
    top = Table([[heading, _qr(p.code)]], colWidths=[FRAME_WIDTH - 32 * mm, 32 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story += [top, Spacer(1, 4 * mm)]

    sections = [
        ("基本信息", _basic(data)),
        ("流程概览", _overview(data)),
        ("各流程办理情况", _processes(data)),
        ("审批记录与意见", _approvals(data)),
        ("进度图表", _charts(data)),
        ("证据材料清单（含 SHA-256 摘要）", _evidence(data)),
    ]
    for n, (title, flowables) in enumerate(sections):
        story.append(Paragraph(f"{NUMERALS[n]}、{escape(title)}", styles["h1"]))
        story += flowables

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 9 * mm, f"项目代码 {p.code}")
        canvas.drawCentredString(PAGE_WIDTH / 2, 9 * mm, f"第 {doc.page} 页")
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 9 * mm, f"生成时间 {stamp}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=16 * mm,
        title=f"{p.name} 项目报告",
        author="零跑腿",
        subject=p.code,
        creator="零跑腿 Zero-Legwork",
        invariant=1,  # no random document id or clock of its own: the same data and time give the same bytes
        pageCompression=1,
        lang="zh-CN",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _basic(data: ReportData) -> list[Any]:
    p = data.project
    dept = p.competent_department.name if p.competent_department else "—"
    years = f"{p.start_year or '—'}—{p.end_year or '—'}"
    items: list[tuple[str, object]] = [
        ("项目名称", p.name),
        ("项目代码", p.code),
        ("项目单位", p.unit.name),
        ("所属区域", p.region.name),
        ("项目层级", LEVELS.get(p.level, p.level)),
        ("主管部门", dept),
        ("项目类别", p.category),
        ("行业类型", p.industry_type or "—"),
        ("投资政策", p.investment_policy or "—"),
        ("建设性质", p.construction_mode or "—"),
        ("投资方式", p.investment_mode or "—"),
        ("管理状态", p.management_status),
        ("建设年限", years),
        ("审批状态", PROJECT_STATES.get(p.state, p.state)),
        ("计划总投资（万元）", money(p.planned_investment)),
        ("累计完成投资（万元）", money(p.cumulative_investment)),
        ("所处阶段", STAGES.get(p.stage or "", "未启动")),
        ("登记时间", local_time(p.created_at)),
    ]
    return [_pairs(items)]


def _function_names(process: catalog.Process, keys: Iterable[str]) -> str:
    names = {f.key: f.zh for f in process.functions}
    return "、".join(names.get(k, k) for k in keys)


def _overview(data: ReportData) -> list[Any]:
    rows = []
    for n, process in enumerate(catalog.PROCESSES, 1):
        chosen = data.chosen.get(process.key, [])
        if process.functions and not chosen:
            rows.append([str(n), process.zh, "未选择", "—"])
            continue
        what = _function_names(process, chosen) if process.functions else "（所有项目必经）"
        state = PROCESS_STATES.get(data.states.get(process.key, "not_started"), "—")
        rows.append([str(n), process.zh, what, state])
    return [_table(["序号", "流程", "选择的功能", "办理状态"], rows, (0.08, 0.18, 0.56, 0.18))]


def _processes(data: ReportData) -> list[Any]:
    styles = _styles()
    out: list[Any] = []
    writers = {
        "information": _information,
        "procedures": _procedures,
        "investment": _investment,
        "procurement": _procurement,
        "contracts": _contracts,
        "progress": _progress,
        "acceptance": _acceptance,
        "performance": _performance,
    }
    for n, process in enumerate(catalog.PROCESSES, 1):
        chosen = data.chosen.get(process.key, [])
        title = f"{n}. {process.zh}"
        if process.functions and not chosen:
            out.append(Paragraph(f"{escape(title)}：未选择", styles["h2"]))
            continue
        out.append(Paragraph(escape(title), styles["h2"]))
        if process.functions:
            out.append(Paragraph(f"选择的功能：{escape(_function_names(process, chosen))}", styles["muted"]))
        out += writers[process.key](data)
    return out


def _none(what: str = "尚无登记记录。") -> list[Any]:
    return [Paragraph(escape(what), _styles()["muted"])]


def _by(data: ReportData, record: Any) -> str:
    return data.people.get(record.actor_id, "—") if record.actor_id else "—"


def _information(data: ReportData) -> list[Any]:
    revisions = list(reversed(data.records["project_info"]))
    if not revisions:
        return _none()
    rows = []
    for r in revisions:
        changes = []
        for key, label in INFO_FIELDS.items():
            if key in (r.answers or {}) and r.answers.get(key) not in (None, ""):
                before = (r.before or {}).get(key)
                now = r.answers[key]
                changes.append(f"{label}：{before} → {now}" if before not in (None, now) else f"{label}：{now}")
        rows.append([local_time(r.created_at), _by(data, r), "；".join(changes) or "—", r.description or "—"])
    return [_table(["提交时间", "填报人", "登记内容", "项目简介"], rows, (0.15, 0.13, 0.44, 0.28))]


def _procedures(data: ReportData) -> list[Any]:
    docs = sorted(data.records["procedure_document"], key=lambda d: (d.issued_on, d.id))
    process = catalog.BY_KEY["procedures"]
    names = {f.key: f.zh for f in process.functions}
    rows: list[list[object]] = [
        [names.get(d.procedure, d.procedure), d.document_no, d.issued_by, _date(d.issued_on), d.remarks or "—"]
        for d in docs
    ]
    filed = {d.procedure for d in docs}
    rows += [[names.get(k, k), "尚未登记", "—", "—", "—"] for k in data.chosen.get("procedures", []) if k not in filed]
    if not rows:
        return _none()
    return [_table(["手续", "文号", "发文机关", "发文日期", "备注"], rows, (0.18, 0.24, 0.26, 0.13, 0.19))]


def _investment(data: ReportData) -> list[Any]:
    plans = sorted(data.records["investment_plan"], key=lambda x: x.version)
    if not plans:
        return _none()
    plan = plans[-1]
    styles = _styles()
    out: list[Any] = [
        Paragraph(
            f"现行投资计划：第 {plan.version} 版，总投资 {money(plan.total)} 万元，投资期限 {plan.term_years} 年；"
            f"{escape(_by(data, plan))} 于 {local_time(plan.created_at)} 登记。",
            styles["body"],
        ),
        Spacer(1, 2 * mm),
    ]
    parts = [[label, money(getattr(plan, key))] for key, label in COST_PARTS.items()]
    parts.append(["合计", money(sum((getattr(plan, k) for k in COST_PARTS), Decimal(0)))])
    sources = [
        [FUNDING_SOURCES.get(s.source, s.source), money(s.amount), _share(s.amount, plan.total)] for s in plan.sources
    ]
    sources.append(["合计", money(sum((s.amount for s in plan.sources), Decimal(0))), _share(plan.total, plan.total)])
    both = Table(
        [
            [
                _table(["投资构成", "金额（万元）"], parts, (0.26, 0.2), numeric=(1,)),
                _table(["资金来源", "金额（万元）", "占比"], sources, (0.2, 0.16, 0.1), numeric=(1, 2)),
            ]
        ],
        colWidths=[FRAME_WIDTH * 0.48, FRAME_WIDTH * 0.52],
    )
    both.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    out.append(both)
    if len(plans) > 1:
        out.append(Spacer(1, 2 * mm))
        rows = [
            [f"第 {x.version} 版", money(x.total), str(x.term_years), local_time(x.created_at), _by(data, x)]
            for x in plans
        ]
        out.append(
            _table(
                ["版本", "总投资（万元）", "期限（年）", "登记时间", "登记人"],
                rows,
                (0.14, 0.22, 0.14, 0.25, 0.25),
                numeric=(1, 2),
            )
        )
    return out


def _share(part: Decimal, total: Decimal) -> str:
    if not total:
        return "—"
    return f"{(Decimal(part) * 100 / Decimal(total)):.2f}%"


def _procurement(data: ReportData) -> list[Any]:
    items = sorted(data.records["procurement"], key=lambda x: (x.awarded_on, x.id))
    if not items:
        return _none()
    rows: list[list[object]] = [
        [
            x.title,
            PROCUREMENT_TYPES.get(x.procurement_type, x.procurement_type),
            x.method,
            money(x.budget),
            money(x.award_amount),
            money(x.budget - x.award_amount),
            x.winner,
            _date(x.awarded_on),
        ]
        for x in items
    ]
    budget = sum((x.budget for x in items), Decimal(0))
    award = sum((x.award_amount for x in items), Decimal(0))
    rows.append(["合计", "", "", money(budget), money(award), money(budget - award), "", ""])
    head = ["采购项目", "类型", "方式", "预算", "中标金额", "节约资金", "中标单位", "中标日期"]
    return [_table(head, rows, (0.18, 0.07, 0.1, 0.12, 0.12, 0.11, 0.18, 0.12), numeric=(3, 4, 5))]


def _contracts(data: ReportData) -> list[Any]:
    items = sorted(data.records["contract"], key=lambda x: (x.signed_on, x.id))
    if not items:
        return _none()
    rows: list[list[object]] = [
        [
            x.title,
            x.contract_type,
            x.party_a,
            x.party_b,
            money(x.amount),
            _date(x.signed_on),
            f"{_date(x.start_on)} 至 {_date(x.end_on)}",
        ]
        for x in items
    ]
    rows.append(["合计", "", "", "", money(sum((x.amount for x in items), Decimal(0))), "", ""])
    head = ["合同名称", "类型", "甲方", "乙方", "金额（万元）", "签订日期", "合同工期"]
    return [_table(head, rows, (0.19, 0.07, 0.17, 0.17, 0.13, 0.11, 0.16), numeric=(4,))]


def _periods(data: ReportData) -> list[Any]:
    return sorted(data.records["progress_report"], key=lambda r: (r.period, r.id))


def _progress(data: ReportData) -> list[Any]:
    reports = _periods(data)
    if not reports:
        return _none()
    rows = [
        [
            r.period,
            _percent(r.time_progress),
            _percent(r.work_quantity_progress),
            _amount(r.investment_completed),
            _amount(r.funds_disbursed),
            r.image_note or "—",
            "是" if r.construction_complete else "否",
        ]
        for r in reports
    ]
    head = ["期间", "时间进度", "工程量进度", "累计完成投资", "累计拨付资金", "形象进度说明", "完工"]
    return [_table(head, rows, (0.09, 0.1, 0.11, 0.15, 0.15, 0.33, 0.07), numeric=(1, 2, 3, 4))]


def _acceptance(data: ReportData) -> list[Any]:
    items = sorted(data.records["acceptance"], key=lambda x: (x.accepted_on, x.id))
    if not items:
        return _none()
    rows = [
        [
            ACCEPTANCE_TYPES.get(x.acceptance_type, x.acceptance_type),
            ACCEPTANCE_RESULTS.get(x.result, x.result),
            _date(x.accepted_on),
            x.organiser,
            x.remarks or "—",
        ]
        for x in items
    ]
    return [_table(["验收类型", "验收结论", "验收日期", "组织单位", "备注"], rows, (0.14, 0.14, 0.14, 0.3, 0.28))]


def _performance(data: ReportData) -> list[Any]:
    styles = _styles()
    out: list[Any] = []
    goals = data.records["performance_goals"]
    if goals:
        goal = goals[0]  # newest first: the goal in force
        out.append(Paragraph(f"绩效目标：{escape(goal.goal)}", styles["body"]))
        rows = [[str(i.position + 1), i.name, f"{i.weight:.2f}", i.target] for i in goal.indicators]
        out.append(_table(["序号", "绩效指标", "权重（%）", "目标值"], rows, (0.08, 0.42, 0.14, 0.36), numeric=(2,)))
    evaluations = sorted(data.records["performance_evaluation"], key=lambda x: (x.created_at, x.id))
    if evaluations:
        out.append(Spacer(1, 2 * mm))
        rows = [
            [
                EVALUATION_STAGES.get(x.stage, x.stage),
                f"{x.score:.2f}",
                x.grade,
                x.findings,
                x.use_of_results or "—",
                local_time(x.created_at, "%Y-%m-%d"),
            ]
            for x in evaluations
        ]
        head = ["评价阶段", "得分", "等级", "主要发现", "结果应用", "登记日期"]
        out.append(_table(head, rows, (0.12, 0.08, 0.07, 0.35, 0.25, 0.13), numeric=(1,)))
    return out or _none()


def _approvals(data: ReportData) -> list[Any]:
    styles = _styles()
    out: list[Any] = [Paragraph("联合审查意见", styles["h2"])]
    if data.opinions:
        rows = [
            [
                str(o.get("round_no") or "—"),
                str(o.get("org_name") or o.get("department") or ""),
                DECISIONS.get(str(o.get("decision")), str(o.get("decision") or "")),
                str(o.get("opinion") or "—"),
                str(o.get("signed_by") or "—"),
                local_time(o.get("signed_at")),
            ]
            for o in data.opinions
        ]
        out.append(
            _table(["轮次", "部门", "结论", "意见", "签署人", "签署时间"], rows, (0.07, 0.22, 0.1, 0.3, 0.14, 0.17))
        )
    else:
        out += _none("尚无联合审查意见。")
    out.append(Paragraph("办理记录", styles["h2"]))
    if not data.tasks:
        return out + _none("尚无办理记录。")
    rows = []
    for t in data.tasks:
        rows.append(
            [
                local_time(t["at"]),
                t["title"],
                t["org"],
                t["who"],
                DECISIONS.get(t["decision"], t["decision"] or "—"),
                t["opinion"] or "—",
            ]
        )
        for position, name, answers, at in t["steps"]:
            decision = str(answers.get("decision") or "")
            rows.append(
                [
                    local_time(at),
                    f"　第 {position + 1} 级审核",
                    t["org"],
                    name,
                    DECISIONS.get(decision, decision or "—"),
                    str(answers.get("opinion") or "—"),
                ]
            )
    head = ["办理时间", "事项", "办理单位", "办理人", "结论", "意见"]
    out.append(_table(head, rows, (0.15, 0.17, 0.22, 0.13, 0.1, 0.23)))
    return out


def _charts(data: ReportData) -> list[Any]:
    reports = _periods(data)
    if not reports:
        return _none("尚无进度数据。")
    out: list[Any] = []
    plans = data.records["investment_plan"]
    planned = max(plans, key=lambda x: x.version).total if plans else data.project.planned_investment
    money_rows = [r for r in reports if r.investment_completed is not None or r.funds_disbursed is not None]
    if money_rows:
        series = [("累计完成投资", [r.investment_completed for r in money_rows])]
        if any(r.funds_disbursed is not None for r in money_rows):
            series.append(("累计拨付资金", [r.funds_disbursed for r in money_rows]))
        series.append(("计划总投资", [planned] * len(money_rows)))
        out.append(
            KeepTogether(
                [
                    Paragraph("投资完成情况（万元）：实际与计划", _styles()["body"]),
                    _line_chart([r.period for r in money_rows], series),
                ]
            )
        )
    pct_rows = [r for r in reports if r.time_progress is not None or r.work_quantity_progress is not None]
    if pct_rows:
        series = [("时间进度", [r.time_progress for r in pct_rows])]
        if any(r.work_quantity_progress is not None for r in pct_rows):
            series.append(("工程量进度", [r.work_quantity_progress for r in pct_rows]))
        out.append(
            KeepTogether(
                [
                    Paragraph("时间与工程量进度（%）", _styles()["body"]),
                    _bar_chart([r.period for r in pct_rows], series),
                ]
            )
        )
    return out or _none("尚无进度数据。")


def _thin(labels: list[str], most: int = 12) -> list[str]:
    """Every label when few, else every k-th one, so period names stay legible."""
    if len(labels) <= most:
        return labels
    step = -(-len(labels) // most)
    return [label if i % step == 0 else "" for i, label in enumerate(labels)]


def _legend(series: Sequence[tuple[str, Any]], x: float, y: float, palette: Sequence[Any]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 80
    legend.dxTextSpace = 4
    legend.colorNamePairs = [(palette[i], name) for i, (name, _v) in enumerate(series)]
    return legend


def _floats(values: Sequence[Decimal | None]) -> list[float | None]:
    return [float(v) if v is not None else None for v in values]  # chart geometry only


def _line_chart(periods: list[str], series: Sequence[tuple[str, Sequence[Decimal | None]]]) -> Drawing:
    width, height = FRAME_WIDTH, 62 * mm
    drawing = Drawing(width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 42, 28, width - 60, height - 50
    chart.data = [_floats(values) for _name, values in series]
    chart.categoryAxis.categoryNames = _thin(periods)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    palette = [*SERIES_COLORS[: len(series) - 1], PLAN_COLOR]
    for i, color in enumerate(palette):
        chart.lines[i].strokeColor = color
        chart.lines[i].strokeWidth = 1.4
    chart.lines[len(series) - 1].strokeDashArray = (3, 2)
    drawing.add(chart)
    drawing.add(_legend(series, 42, height - 6, palette))
    drawing.add(String(2, height - 10, "万元", fontName=FONT, fontSize=7))
    return drawing


def _bar_chart(periods: list[str], series: Sequence[tuple[str, Sequence[Decimal | None]]]) -> Drawing:
    width, height = FRAME_WIDTH, 58 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 42, 28, width - 60, height - 50
    chart.data = [[v if v is not None else 0.0 for v in _floats(values)] for _name, values in series]
    chart.categoryAxis.categoryNames = _thin(periods)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    for i, color in enumerate(SERIES_COLORS[: len(series)]):
        chart.bars[i].fillColor = color
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    drawing.add(_legend(series, 42, height - 6, SERIES_COLORS))
    drawing.add(String(2, height - 10, "%", fontName=FONT, fontSize=7))
    return drawing


def _evidence(data: ReportData) -> list[Any]:
    if not data.attachments:
        return _none("尚无证据材料。")
    styles = _styles()
    head = ["序号", "文件名", "材料类别", "版本", "大小", "上传人", "上传日期"]
    widths = (0.07, 0.3, 0.17, 0.07, 0.11, 0.14, 0.14)
    rows: list[list[Any]] = [[Paragraph(escape(h), styles["head"]) for h in head]]
    spans = []
    for n, a in enumerate(data.attachments, 1):
        label = data.slot_labels.get(a.slot) or ("建设日志照片" if a.slot.startswith("log_") else a.slot)
        rows.append(
            [
                _p(n),
                _p(a.filename),
                _p(label),
                _p(f"v{a.version}"),
                _p(_size(a.size)),
                _p(a.uploaded_by.display_name if a.uploaded_by else "—"),
                _p(local_time(a.created_at, "%Y-%m-%d")),
            ]
        )
        rows.append(["", Paragraph(f"SHA-256: {a.sha256}", styles["mono"]), "", "", "", "", ""])
        spans.append(("SPAN", (1, len(rows) - 1), (-1, len(rows) - 1)))
        spans.append(("SPAN", (0, len(rows) - 2), (0, len(rows) - 1)))
    table = Table(rows, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1)
    table.setStyle(_grid_style(spans))
    note = Paragraph("SHA-256 摘要由平台在上传时计算；文件内容可凭摘要核对，未经改动。", styles["muted"])
    return [table, Spacer(1, 2 * mm), note]


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{Decimal(size) / 1024:.1f} KB"
    return f"{Decimal(size) / (1024 * 1024):.1f} MB"
