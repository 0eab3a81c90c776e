"""The fund reconciliation report by region and by funding source: exact sums, scope, Excel."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from zerolegwork.extensions import db
from zerolegwork.funds import report, services


def test_the_report_sums_arranged_and_paid_money_by_region_and_source(
    client, login, people, project, arrange, pay, other_unit
):
    arrange("100", "central")
    arrange("50", "city")
    pay("40.0001", contract="")
    pay("10", source="city")
    pay("5", source="city", voucher=False)
    services.record_payment(
        other_unit["user"],
        other_unit["project"].id,
        {"paid_on": "2026-09-01", "amount": "7", "payee": "乙", "source": "city"},
    )
    db.session.commit()
    finance = people["users"]["finance1"]
    by_source = {r.label: r for r in report.build(finance, "source").rows}
    assert by_source["中央转移支付"].arranged == Decimal("100.0000") and by_source["中央转移支付"].paid == Decimal(
        "40.0001"
    )
    assert by_source["中央转移支付"].percent == "40"
    assert by_source["市级资金"].paid == Decimal("22.0000") and by_source["市级资金"].projects == 2
    assert by_source["汇总"].paid == Decimal("62.0001") and by_source["汇总"].projects == 2
    assert by_source["债券资金"].percent == "—"
    by_region = {r.label: r for r in report.build(finance, "region").rows}
    assert by_region["昆区"].paid == Decimal("55.0001") and by_region["东河区"].paid == Decimal("7.0000")
    district = {r.label: r for r in report.build(people["users"]["finance1_150202"], "region").rows}
    assert "昆区" not in district and district["汇总"].paid == Decimal("7.0000")
    login("finance1")
    page = client.get("/funds/report?by=source").get_data(as_text=True)
    assert "资金对账表（按资金来源）" in page and "62.0001" in page
    resp = client.get("/funds/report.xlsx?by=region")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).worksheets[0].iter_rows()]
    assert rows[0][0] == "资金对账表（按地区）" and rows[2][:3] == ["序号", "项目内容", "项目数量"]
    assert rows[3][1] == "汇总" and Decimal(str(rows[3][4])) == Decimal("62.0001")
    login("agency1")
    assert client.get("/funds/report").status_code == 404
    assert client.get("/funds/report.xlsx").status_code == 404


def test_the_report_downloads_as_a_chinese_pdf_with_the_same_figures(client, login, people, arrange, pay):
    from tests.reports.pdf_support import pdf_text

    arrange("100", "central")
    pay("40.0001", contract="")
    login("finance1")
    resp = client.get("/funds/report.pdf?by=source")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    text = pdf_text(resp.data)
    assert "资金对账表（按资金来源）" in text and "已拨付金额" in text and "40.0001" in text and "汇总" in text
    login("agency1")
    assert client.get("/funds/report.pdf").status_code == 404
