"""Lay out the project report: the title block, the sections in order, the page footer; the overview sections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from ...dictionaries import services as dictionaries
from ...i18n import local_time, money
from ...projects import functions as catalog
from ...projects.classification import STAGES
from .charts import charts
from .data import ReportData
from .sections import (
    acceptance,
    approvals,
    contracts,
    evidence,
    information,
    investment,
    performance,
    procedures,
    procurement,
    progress,
)
from .style import FRAME_WIDTH, document, grid, pairs, style_sheet

LEVELS = {"city": "市本级", "district": "旗县区"}
PROCESS_STATES = {"done": "已完成", "active": "办理中", "pending": "未开始", "not_started": "未启动"}


def _qr(code: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(code, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def build(data: ReportData, generated_at: datetime) -> bytes:
    """Lay out the report of `data` as PDF bytes; `generated_at` (UTC) is printed on every page."""
    styles = style_sheet()
    p = data.project
    stamp = local_time(generated_at)
    story: list[Any] = []
    heading = [
        Paragraph(escape(p.name), styles["title"]),
        Paragraph("项目报告（一个报告全部内容）", styles["subtitle"]),
        Paragraph(f"项目代码：{escape(p.code)}", styles["subtitle"]),
        Paragraph(f"生成时间：{stamp}（北京时间）　单位：万元", styles["muted"]),
    ]
    if data.versions:
        heading.append(Paragraph(f"流程版本：{escape('；'.join(data.versions))}", styles["muted"]))
    top = Table([[heading, _qr(p.code)]], colWidths=[FRAME_WIDTH - 32 * mm, 32 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story += [top, Spacer(1, 4 * mm)]

    sections = [
        ("基本信息", _basic(data)),
        ("流程概览", _overview(data)),
        ("各流程办理情况", _processes(data)),
        ("审批记录与意见", approvals(data)),
        ("进度图表", charts(data)),
        ("证据材料清单（含 SHA-256 摘要）", evidence(data)),
    ]
    return document(story, sections, code=p.code, title=f"{p.name} 项目报告", stamp=stamp)


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
        ("审批状态", dictionaries.labels("project_state").get(p.state, p.state)),
        ("计划总投资（万元）", money(p.planned_investment)),
        ("累计完成投资（万元）", money(p.cumulative_investment)),
        ("所处阶段", STAGES.get(p.stage or "", "未启动")),
        ("登记时间", local_time(p.created_at)),
    ]
    return [pairs(items)]


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
    return [grid(["序号", "流程", "选择的功能", "办理状态"], rows, (0.08, 0.18, 0.56, 0.18))]


def _processes(data: ReportData) -> list[Any]:
    styles = style_sheet()
    out: list[Any] = []
    writers = {
        "information": information,
        "procedures": procedures,
        "investment": investment,
        "procurement": procurement,
        "contracts": contracts,
        "progress": progress,
        "acceptance": acceptance,
        "performance": performance,
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
