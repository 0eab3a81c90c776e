"""The report's page, font and paragraph styles, and the cells, tables and pairs every section is made of."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from ...i18n import money

FONT = "STSong-Light"  # Adobe's CID font: every PDF reader has it, so nothing is embedded
MONO = "Courier"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN

GRID = colors.HexColor("#9aa5b1")
HEAD = colors.HexColor("#e8eef5")
PLAN_COLOR = colors.HexColor("#9aa5b1")
SERIES_COLORS = (colors.HexColor("#1f6fb2"), colors.HexColor("#d9822b"), colors.HexColor("#2e9e5b"))


@cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@cache
def style_sheet() -> dict[str, ParagraphStyle]:
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


def para(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), style_sheet()[style])


def amount(value: Decimal | None) -> str:
    return "—" if value is None else money(value)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{Decimal(value):.2f}%"


def day(value: Any) -> str:
    return value.isoformat() if value is not None else "—"


def grid(
    head: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[float], numeric: Sequence[int] = ()
) -> Table:
    """A grid table with a shaded head row; cells wrap, number columns align right."""
    styles = style_sheet()
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
    table.setStyle(grid_style())
    return table


def pairs(items: Sequence[tuple[str, object]]) -> Table:
    """Label/value pairs, two to a row."""
    styles = style_sheet()
    rows = []
    for i in range(0, len(items), 2):
        row: list[Any] = []
        for label, value in items[i : i + 2]:
            row += [Paragraph(escape(label), styles["cell"]), para(value)]
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


def grid_style(extra: list[Any] | None = None) -> TableStyle:
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


def no_records(what: str = "尚无登记记录。") -> list[Any]:
    return [Paragraph(escape(what), style_sheet()["muted"])]


NUMERALS = "一二三四五六七八九十"


def document(
    story: list[Any], sections: Sequence[tuple[str, list[Any]]], *, code: str, title: str, stamp: str
) -> bytes:
    """The story, then the numbered sections (一、二、…), as an A4 PDF with the footer every report has.

    The footer names the project code, the page and the time; the bytes are the same for the same data
    and time (invariant: no random document id, no clock of reportlab's own).
    """
    styles = style_sheet()
    for n, (heading, flowables) in enumerate(sections):
        story.append(Paragraph(f"{NUMERALS[n]}、{escape(heading)}", styles["h1"]))
        story += flowables

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 9 * mm, f"项目代码 {code}")
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
        title=title,
        author="零跑腿",
        subject=code,
        creator="零跑腿 Zero-Legwork",
        invariant=1,
        pageCompression=1,
        lang="zh-CN",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
