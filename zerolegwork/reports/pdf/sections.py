"""The report's record sections: each process's records, the approvals and opinions, the evidence list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from ...dictionaries import services as dictionaries
from ...i18n import local_time, money
from ...projects import functions as catalog
from .data import ReportData, entered_by, periods
from .style import FRAME_WIDTH, amount, day, grid, grid_style, no_records, para, percent, style_sheet

COST_PARTS = {
    "construction_cost": "建安工程费",
    "equipment_cost": "设备购置费",
    "other_cost": "工程建设其他费用",
    "contingency": "预备费",
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


def information(data: ReportData) -> list[Any]:
    revisions = list(reversed(data.records["project_info"]))
    if not revisions:
        return no_records()
    rows = []
    for r in revisions:
        changes = []
        for key, label in INFO_FIELDS.items():
            if key in (r.answers or {}) and r.answers.get(key) not in (None, ""):
                before = (r.before or {}).get(key)
                now = r.answers[key]
                changes.append(f"{label}：{before} → {now}" if before not in (None, now) else f"{label}：{now}")
        rows.append([local_time(r.created_at), entered_by(data, r), "；".join(changes) or "—", r.description or "—"])
    return [grid(["提交时间", "填报人", "登记内容", "项目简介"], rows, (0.15, 0.13, 0.44, 0.28))]


def procedures(data: ReportData) -> list[Any]:
    docs = sorted(data.records["procedure_document"], key=lambda d: (d.issued_on, d.id))
    process = catalog.BY_KEY["procedures"]
    names = {f.key: f.zh for f in process.functions}
    rows: list[list[object]] = [
        [names.get(d.procedure, d.procedure), d.document_no, d.issued_by, day(d.issued_on), d.remarks or "—"]
        for d in docs
    ]
    filed = {d.procedure for d in docs}
    rows += [[names.get(k, k), "尚未登记", "—", "—", "—"] for k in data.chosen.get("procedures", []) if k not in filed]
    if not rows:
        return no_records()
    return [grid(["手续", "文号", "发文机关", "发文日期", "备注"], rows, (0.18, 0.24, 0.26, 0.13, 0.19))]


def investment(data: ReportData) -> list[Any]:
    plans = sorted(data.records["investment_plan"], key=lambda x: x.version)
    if not plans:
        return no_records()
    plan = plans[-1]
    styles = style_sheet()
    out: list[Any] = [
        Paragraph(
            f"现行投资计划：第 {plan.version} 版，总投资 {money(plan.total)} 万元，投资期限 {plan.term_years} 年；"
            f"{escape(entered_by(data, plan))} 于 {local_time(plan.created_at)} 登记。",
            styles["body"],
        ),
        Spacer(1, 2 * mm),
    ]
    parts = [[label, money(getattr(plan, key))] for key, label in COST_PARTS.items()]
    parts.append(["合计", money(sum((getattr(plan, k) for k in COST_PARTS), Decimal(0)))])
    labels = dictionaries.labels("funding_source")
    sources = [[labels.get(s.source, s.source), money(s.amount), _share(s.amount, plan.total)] for s in plan.sources]
    sources.append(["合计", money(sum((s.amount for s in plan.sources), Decimal(0))), _share(plan.total, plan.total)])
    both = Table(
        [
            [
                grid(["投资构成", "金额（万元）"], parts, (0.26, 0.2), numeric=(1,)),
                grid(["资金来源", "金额（万元）", "占比"], sources, (0.2, 0.16, 0.1), numeric=(1, 2)),
            ]
        ],
        colWidths=[FRAME_WIDTH * 0.48, FRAME_WIDTH * 0.52],
    )
    both.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    out.append(both)
    if len(plans) > 1:
        out.append(Spacer(1, 2 * mm))
        rows = [
            [f"第 {x.version} 版", money(x.total), str(x.term_years), local_time(x.created_at), entered_by(data, x)]
            for x in plans
        ]
        out.append(
            grid(
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


def procurement(data: ReportData) -> list[Any]:
    items = sorted(data.records["procurement"], key=lambda x: (x.awarded_on, x.id))
    if not items:
        return no_records()
    rows: list[list[object]] = [
        [
            x.title,
            PROCUREMENT_TYPES.get(x.procurement_type, x.procurement_type),
            x.method,
            money(x.budget),
            money(x.award_amount),
            money(x.budget - x.award_amount),
            x.winner,
            day(x.awarded_on),
        ]
        for x in items
    ]
    budget = sum((x.budget for x in items), Decimal(0))
    award = sum((x.award_amount for x in items), Decimal(0))
    rows.append(["合计", "", "", money(budget), money(award), money(budget - award), "", ""])
    head = ["采购项目", "类型", "方式", "预算", "中标金额", "节约资金", "中标单位", "中标日期"]
    return [grid(head, rows, (0.18, 0.07, 0.1, 0.12, 0.12, 0.11, 0.18, 0.12), numeric=(3, 4, 5))]


def contracts(data: ReportData) -> list[Any]:
    """Filed contracts with the accepted cost audit's 审定金额 beside the amount (— when none)."""
    items = sorted(data.records["contract"], key=lambda x: (x.signed_on, x.id))
    if not items:
        return no_records()
    audited = data.audited
    rows: list[list[object]] = [
        [
            x.title,
            x.contract_type,
            x.party_a,
            x.party_b,
            money(x.amount),
            money(audited[x.id]) if x.id in audited else "—",
            day(x.signed_on),
            f"{day(x.start_on)} 至 {day(x.end_on)}",
        ]
        for x in items
    ]
    total_audited = money(sum(audited.values(), Decimal(0))) if audited else "—"
    rows.append(["合计", "", "", "", money(sum((x.amount for x in items), Decimal(0))), total_audited, "", ""])
    head = ["合同名称", "类型", "甲方", "乙方", "金额（万元）", "审定金额（万元）", "签订日期", "合同工期"]
    return [grid(head, rows, (0.17, 0.06, 0.15, 0.15, 0.12, 0.12, 0.1, 0.13), numeric=(4, 5))]


def progress(data: ReportData) -> list[Any]:
    reports = periods(data)
    if not reports:
        return no_records()
    rows = [
        [
            r.period,
            percent(r.time_progress),
            percent(r.work_quantity_progress),
            amount(r.investment_completed),
            amount(r.funds_disbursed),
            r.image_note or "—",
            "是" if r.construction_complete else "否",
        ]
        for r in reports
    ]
    head = ["期间", "时间进度", "工程量进度", "累计完成投资", "累计拨付资金", "形象进度说明", "完工"]
    return [grid(head, rows, (0.09, 0.1, 0.11, 0.15, 0.15, 0.33, 0.07), numeric=(1, 2, 3, 4))]


def acceptance(data: ReportData) -> list[Any]:
    items = sorted(data.records["acceptance"], key=lambda x: (x.accepted_on, x.id))
    if not items:
        return no_records()
    rows = [
        [
            ACCEPTANCE_TYPES.get(x.acceptance_type, x.acceptance_type),
            ACCEPTANCE_RESULTS.get(x.result, x.result),
            day(x.accepted_on),
            x.organiser,
            x.remarks or "—",
        ]
        for x in items
    ]
    return [grid(["验收类型", "验收结论", "验收日期", "组织单位", "备注"], rows, (0.14, 0.14, 0.14, 0.3, 0.28))]


def performance(data: ReportData) -> list[Any]:
    styles = style_sheet()
    out: list[Any] = []
    goals = data.records["performance_goals"]
    if goals:
        goal = goals[0]  # newest first: the goal in force
        out.append(Paragraph(f"绩效目标：{escape(goal.goal)}", styles["body"]))
        rows = [[str(i.position + 1), i.name, f"{i.weight:.2f}", i.target] for i in goal.indicators]
        out.append(grid(["序号", "绩效指标", "权重（%）", "目标值"], rows, (0.08, 0.42, 0.14, 0.36), numeric=(2,)))
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
        out.append(grid(head, rows, (0.12, 0.08, 0.07, 0.35, 0.25, 0.13), numeric=(1,)))
    return out or no_records()


def approvals(data: ReportData) -> list[Any]:
    styles = style_sheet()
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
            grid(["轮次", "部门", "结论", "意见", "签署人", "签署时间"], rows, (0.07, 0.22, 0.1, 0.3, 0.14, 0.17))
        )
    else:
        out += no_records("尚无联合审查意见。")
    out.append(Paragraph("办理记录", styles["h2"]))
    if not data.tasks:
        return out + no_records("尚无办理记录。")
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
    out.append(grid(head, rows, (0.15, 0.17, 0.22, 0.13, 0.1, 0.23)))
    return out


def evidence(data: ReportData) -> list[Any]:
    if not data.attachments:
        return no_records("尚无证据材料。")
    styles = style_sheet()
    head = ["序号", "文件名", "材料类别", "版本", "大小", "上传人", "上传日期"]
    widths = (0.07, 0.3, 0.17, 0.07, 0.11, 0.14, 0.14)
    rows: list[list[Any]] = [[Paragraph(escape(h), styles["head"]) for h in head]]
    spans = []
    for n, a in enumerate(data.attachments, 1):
        label = data.slot_labels.get(a.slot) or ("建设日志照片" if a.slot.startswith("log_") else a.slot)
        rows.append(
            [
                para(n),
                para(a.filename),
                para(label),
                para(f"v{a.version}"),
                para(_size(a.size)),
                para(a.uploaded_by.display_name if a.uploaded_by else "—"),
                para(local_time(a.created_at, "%Y-%m-%d")),
            ]
        )
        rows.append(["", Paragraph(f"SHA-256: {a.sha256}", styles["mono"]), "", "", "", "", ""])
        spans.append(("SPAN", (1, len(rows) - 1), (-1, len(rows) - 1)))
        spans.append(("SPAN", (0, len(rows) - 2), (0, len(rows) - 1)))
    table = Table(rows, colWidths=[w * FRAME_WIDTH for w in widths], repeatRows=1)
    table.setStyle(grid_style(spans))
    note = Paragraph("SHA-256 摘要由平台在上传时计算；文件内容可凭摘要核对，未经改动。", styles["muted"])
    return [table, Spacer(1, 2 * mm), note]


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{Decimal(size) / 1024:.1f} KB"
    return f"{Decimal(size) / (1024 * 1024):.1f} MB"
