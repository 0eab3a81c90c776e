"""Write a fixed table as CSV (UTF-8 with BOM), an Excel workbook or an A4 landscape PDF, each with its as-of time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ...exports import csv_row, guard_sheet
from .tables import Table

MONEY_FORMAT = "#,##0.0000"
PDF_FONT = "STSong-Light"  # reportlab's built-in CJK CID font: nothing to ship, Chinese in every PDF reader


def to_csv(table: Table) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese correctly; amounts plain, four places."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row([table.title]))
    writer.writerow(csv_row(table.title_line()))
    writer.writerow(csv_row(table.columns))
    for row in table.rows:
        writer.writerow(csv_row(row.cells(separators=False)))
    writer.writerow(csv_row([table.footer]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """A workbook: merged title rows, the header, numbers as numbers with 万元 formats, totals in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = table.name
    width = len(table.columns)
    last = get_column_letter(width)
    sheet.append([table.title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    area, when, unit = table.title_line()
    sheet.append([area, None, None, when, None, unit])
    sheet.merge_cells("A2:C2")
    sheet.merge_cells("D2:E2")
    sheet.merge_cells(f"F2:{last}2")
    sheet["F2"].alignment = Alignment(horizontal="right")
    sheet.append(list(table.columns))
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        cell.border = border
    for row in table.rows:
        percent = row.percent
        sheet.append(
            [
                int(row.number) if row.number.isdigit() else row.number,
                row.label,
                row.count,
                row.planned,
                row.cumulative,
                percent if percent is not None else row.percent_text,
                row.note,
            ]
        )
        cells = sheet[sheet.max_row]
        cells[3].number_format = MONEY_FORMAT
        cells[4].number_format = MONEY_FORMAT
        cells[5].alignment = Alignment(horizontal="right")
        for cell in cells:
            cell.border = border
            if row.kind != "item":
                cell.font = Font(bold=True)
    sheet.append([table.footer])
    sheet.merge_cells(f"A{sheet.max_row}:{last}{sheet.max_row}")
    for column, size in zip("ABCDEFG", (6, 24, 10, 18, 18, 11, 28), strict=True):
        sheet.column_dimensions[column].width = size
    sheet.freeze_panes = "A4"
    book.properties.title = table.title
    book.properties.created = table.as_of.replace(tzinfo=None)
    guard_sheet(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def to_pdf(table: Table) -> bytes:
    """An A4 landscape page (more when long) in STSong-Light: title, title line, the grid, the as-of time."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as Grid

    _register_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=table.title,
        author="零跑腿",
    )
    title = ParagraphStyle("title", fontName=PDF_FONT, fontSize=16, leading=22, alignment=1)
    small = ParagraphStyle("small", fontName=PDF_FONT, fontSize=10, leading=14)
    area, when, unit = table.title_line()
    head = Grid([[area, when, unit]], colWidths=[doc.width / 3] * 3)
    head.setStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
            ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ("ALIGN", (2, 0), (2, 0), "RIGHT"),
        ]
    )
    cell = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=10, leading=13)
    data: list[list[object]] = [list(table.columns)]
    for row in table.rows:
        shown: list[object] = list(row.cells())
        # names and notes wrap inside their column instead of running over the grid
        shown[1], shown[6] = Paragraph(escape(row.label), cell), Paragraph(escape(row.note), cell)
        data.append(shown)
    widths = [x * mm for x in (14, 62, 22, 42, 42, 24, 61)]
    grid = Grid(data, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (2, 1), (5, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for i, row in enumerate(table.rows, 1):
        if row.kind != "item":
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f8f9fa")))
    grid.setStyle(style)
    doc.build(
        [
            Paragraph(table.title, title),
            Spacer(1, 4 * mm),
            head,
            Spacer(1, 2 * mm),
            grid,
            Spacer(1, 3 * mm),
            Paragraph(table.footer, small),
        ]
    )
    return out.getvalue()


@dataclass(frozen=True)
class Format:
    mimetype: str
    extension: str
    write: Callable[[Table], bytes]


FORMATS: dict[str, Format] = {
    "csv": Format("text/csv; charset=utf-8", "csv", to_csv),
    "xlsx": Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", to_xlsx),
    "pdf": Format("application/pdf", "pdf", to_pdf),
}


def filename(table: Table, fmt: str) -> str:
    """The download name: the title and the as-of date."""
    return f"{table.title}_{table.area}_{table.date_text}.{FORMATS[fmt].extension}"
