"""The review report (评审报告) of a library entry as a Chinese PDF: the call, plan, panel and draw, scores, digests.

Like the project report it is a Chinese document whatever the reader's language (the PDF module's rule),
rendered with the CID font STSong-Light, and deterministic: the same entry and time give the same bytes.
The applicant unit's copy names no expert (专家一、专家二…), nor the draw's candidates and exclusions by name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from sqlalchemy import Select, select

from ..db import utcnow
from ..experts import scoring
from ..experts.models import DrawRecord, ReviewPanel
from ..extensions import db
from ..i18n import local_time
from ..reports.pdf.style import NUMERALS, amount, document, grid, no_records, pairs, para, style_sheet
from .models import LibraryEntry

VERDICTS = {"pass": "通过", "pass_after_revision": "修改后通过", "fail": "不通过"}
METHODS = {"meeting": "会议评审", "online": "网上评审", "letter": "函审"}
AGGREGATIONS = {"mean": "算术平均", "trimmed": "去掉一个最高分和一个最低分后平均"}
STEPS = (("presentation", "项目陈述"), ("defence", "咨询答辩"), ("site_survey", "实地勘查"))


def seat_names(panel: ReviewPanel | None, with_names: bool) -> dict[int, str]:
    """Each active member's name for the report: the expert's own, or 专家一… in draw order for the unit."""
    if panel is None:
        return {}
    out = {}
    for n, member in enumerate(panel.active_members):
        out[member.id] = member.expert.name if with_names else f"专家{NUMERALS[n] if n < 10 else n + 1}"
    return out


def _call(entry: LibraryEntry) -> list[Any]:
    call, project = entry.call, entry.project
    return [
        pairs(
            [
                ("征集批次", call.title),
                ("资金", call.fund_name or "—"),
                ("项目名称", project.name),
                ("项目代码", project.code),
                ("申报单位", entry.unit.name),
                ("批次资金总额（万元）", amount(call.total_amount)),
            ]
        )
    ]


def _plan(entry: LibraryEntry) -> list[Any]:
    plan = entry.plan or {}
    steps = "、".join(label for key, label in STEPS if plan.get(key)) or "无"
    return [
        pairs(
            [
                ("评审方式", METHODS.get(plan.get("method", ""), plan.get("method") or "—")),
                ("专家构成", plan.get("mix") or "—"),
                ("汇总规则", AGGREGATIONS.get(plan.get("aggregation", ""), plan.get("aggregation") or "—")),
                ("评审日期", f"{plan.get('review_starts') or '—'} 至 {plan.get('review_ends') or '—'}"),
                ("评审重点", plan.get("criteria") or "—"),
                ("安排的环节", steps),
            ]
        )
    ]


def _panel(panel: ReviewPanel | None, names: dict[int, str], with_names: bool) -> list[Any]:
    if panel is None:
        return no_records("本项目未组建专家组。")
    record = db.session.scalars(select_record(panel.id)).first()
    out: list[Any] = []
    rows = [
        [
            names[m.id],
            m.specialty,
            (m.expert.employer or "—") if with_names else "—",
            "已声明" if m.declared_at else "—",
        ]
        for m in panel.active_members
    ]
    out.append(grid(["专家", "专业", "工作单位", "无利害关系声明"], rows, (0.22, 0.22, 0.36, 0.2)))
    if record is not None:
        out.append(Spacer(1, 2 * mm))
        out.append(
            pairs(
                [
                    ("抽取种子", record.seed),
                    ("抽取时间", local_time(record.drawn_at)),
                    ("候选专家数", str(len(record.candidates))),
                    ("回避排除数", str(len(record.exclusions))),
                    ("替补次数", str(len(record.replacements or []))),
                    ("专业构成", "、".join(f"{k}:{v}" for k, v in sorted((record.mix or {}).items()))),
                ]
            )
        )
        if record.exclusions:
            excluded = [
                [
                    (x.get("name") or str(x.get("expert_id"))) if with_names else f"排除{n + 1}",
                    "；".join(x.get("reasons") or []),
                ]
                for n, x in enumerate(record.exclusions)
            ]
            out.append(Spacer(1, 2 * mm))
            out.append(grid(["被排除的专家", "回避理由"], excluded, (0.3, 0.7)))
    return out


def select_record(panel_id: int) -> Select[tuple[DrawRecord]]:
    return select(DrawRecord).where(DrawRecord.panel_id == panel_id)


def _scores(panel: ReviewPanel | None, names: dict[int, str]) -> list[Any]:
    if panel is None:
        return no_records("无评分。")
    result = scoring.aggregate(panel)
    criteria = panel.sheet.criteria
    head = ["专家", *(f"{c['label']}（{c['max_points']}）" for c in criteria), "合计"]
    width = 0.8 / (len(criteria) + 1)
    rows = []
    for m in result.members:
        mark = "（离群）" if m.outlier else ("（去除）" if m.dropped else "")
        rows.append(
            [names.get(m.member.id, "—") + mark, *(str(m.scores.get(c["key"], "—")) for c in criteria), str(m.total)]
        )
    out: list[Any] = [
        grid(head, rows, (0.2, *([width] * (len(criteria) + 1))), numeric=range(1, len(criteria) + 2)),
        Spacer(1, 2 * mm),
        pairs(
            [
                ("评分表", panel.sheet.name),
                ("汇总规则", AGGREGATIONS.get(result.rule, result.rule)),
                ("平均分", str(result.mean) if result.mean is not None else "—"),
                ("综合得分", str(result.score) if result.score is not None else "—"),
            ]
        ),
    ]
    opinions = [[names.get(m.member.id, "—"), m.opinion or "—"] for m in result.members]
    comments = [
        [names.get(m.member.id, "—"), f"{c['label']}：{m.comments[c['key']]}"]
        for m in result.members
        for c in criteria
        if m.comments.get(c["key"])
    ]
    out += [Spacer(1, 2 * mm), grid(["专家", "评审意见"], opinions + comments, (0.2, 0.8))]
    return out


def _conclusion(entry: LibraryEntry, panel: ReviewPanel | None) -> list[Any]:
    return [
        pairs(
            [
                ("评审结论", VERDICTS.get(entry.verdict, entry.verdict)),
                ("综合得分", str(entry.score) if entry.score is not None else "—"),
                ("建议金额（万元）", amount(entry.recommended_amount)),
                ("入库时间", local_time(entry.entered_at)),
            ]
        ),
        Spacer(1, 2 * mm),
        para(f"综合评定意见：{entry.opinion or '—'}", "body"),
        para(f"专家组结论：{(panel.conclusion if panel else None) or '—'}", "body"),
    ]


def _digests(entry: LibraryEntry) -> list[Any]:
    rows = [
        [("文件" if e.get("kind") == "file" else "记录"), e.get("name", ""), para(e.get("sha256", ""), "mono")]
        for e in entry.manifest or []
    ]
    return [
        grid(["类别", "名称", "SHA-256"], rows, (0.08, 0.3, 0.62)),
        Spacer(1, 2 * mm),
        para("清单摘要（SHA-256）：", "body"),
        para(entry.manifest_sha256, "mono"),
    ]


def render_report(entry_id: int, with_names: bool = True, generated_at: datetime | None = None) -> bytes:
    """The 评审报告 of an entry as PDF bytes, without an access check (the caller made it)."""
    entry = db.session.get_one(LibraryEntry, entry_id)
    panel = db.session.get(ReviewPanel, entry.case.panel_id) if entry.case.panel_id else None
    names = seat_names(panel, with_names)
    styles = style_sheet()
    stamp = local_time(generated_at or utcnow())
    story: list[Any] = [
        Paragraph(escape(entry.project.name), styles["title"]),
        Paragraph("评审报告", styles["subtitle"]),
        Paragraph(f"生成时间：{stamp}（北京时间）　单位：万元", styles["muted"]),
        Spacer(1, 3 * mm),
    ]
    sections = [
        ("征集批次与项目", _call(entry)),
        ("评审方案", _plan(entry)),
        ("专家组与抽取记录", _panel(panel, names, with_names)),
        ("专家评分", _scores(panel, names)),
        ("评审结论", _conclusion(entry, panel)),
        ("证据摘要", _digests(entry)),
    ]
    return document(story, sections, code=entry.project.code, title=f"{entry.project.name} 评审报告", stamp=stamp)


def file_name(entry: LibraryEntry) -> str:
    """`评审报告_<code>_<name>.pdf` with nothing a file system or a ZIP reader could misread."""
    safe = "".join(c if c.isalnum() or c in "-_（）()" else "_" for c in entry.project.name).strip("_")[:80]
    code = "".join(c if c.isalnum() or c == "-" else "_" for c in entry.project.code)
    return f"评审报告_{code}_{safe or 'project'}.pdf"
