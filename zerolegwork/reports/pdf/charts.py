"""The report's progress charts: investment against the plan, time and work-quantity progress."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph

from .data import ReportData, periods
from .style import FONT, FRAME_WIDTH, PLAN_COLOR, SERIES_COLORS, no_records, style_sheet


def charts(data: ReportData) -> list[Any]:
    reports = periods(data)
    if not reports:
        return no_records("尚无进度数据。")
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
                    Paragraph("投资完成情况（万元）：实际与计划", style_sheet()["body"]),
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
                    Paragraph("时间与工程量进度（%）", style_sheet()["body"]),
                    _bar_chart([r.period for r in pct_rows], series),
                ]
            )
        )
    return out or no_records("尚无进度数据。")


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
