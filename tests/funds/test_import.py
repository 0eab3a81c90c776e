"""The payment workbook: the template, all rows checked before any is kept, hostile and huge files refused."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.files import samples
from zerolegwork.extensions import db
from zerolegwork.funds.models import Payment

HEADER = ["支付日期", "金额（万元）", "收款单位", "资金来源", "合同编号", "备注"]


def workbook(*rows: list[object], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, project_id: int, data: bytes, name: str = "支付.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/projects/{project_id}/funds/import",
        data={"workbook": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count() -> int:
    return db.session.scalar(select(func.count(Payment.id)))


def test_a_workbook_with_one_bad_row_is_refused_whole_with_the_row_and_the_reason(client, login, project, contract):
    ht = contract()
    login("unit1")
    data = workbook(
        ["2026-09-01", "10.5", "甲公司", "中央转移支付", ht.id, "进度款"],
        ["2026-09-02", "12.00001", "乙公司", "市级资金", "", ""],
        ["2026-09-03", "3", "丙公司", "市级资金", "", ""],
    )
    resp = upload(client, project.id, data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-testid="import-problems"' in page
    assert "第3行 金额（万元）：金额（万元）最多保留四位小数。" in page, page[page.find("import-problems") :][:400]
    assert count() == 0


def test_every_bad_row_is_named_and_a_good_workbook_is_imported_whole(client, login, project, contract):
    ht = contract()
    login("unit1")
    bad = workbook(
        ["2026-09-01", "abc", "甲公司", "中央转移支付", "", ""],
        ["2099-01-01", "1", "", "火星资金", "999999", ""],
    )
    page = upload(client, project.id, bad).get_data(as_text=True)
    for text in (
        "第2行 金额（万元）",
        "第3行 支付日期：支付日期不能晚于今天",
        "第3行 收款单位",
        "第3行 资金来源",
        "第3行 合同编号",
    ):
        assert text in page, text
    assert count() == 0
    good = workbook(
        [datetime(2026, 9, 1), 10.1, "甲公司", "中央转移支付", ht.id, "进度款"],  # a date cell and a float cell
        ["2026/9/2", "0.3", "乙公司", "city", "HT-2026-01", None],
        [None, None, None, None, None, None],  # blank rows are skipped
    )
    resp = upload(client, project.id, good)
    assert resp.status_code == 302
    amounts = sorted(db.session.scalars(select(Payment.amount)))
    assert [str(a) for a in amounts] == ["0.3000", "10.1000"]
    assert {p.contract_id for p in db.session.scalars(select(Payment))} == {ht.id}
    assert {p.entry for p in db.session.scalars(select(Payment))} == {"import"}


def test_the_template_names_the_columns_the_sources_and_the_contracts(client, login, project, contract):
    contract("HT-2026-09", "88")
    login("unit1")
    resp = client.get(f"/projects/{project.id}/funds/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    guide = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert [v for v in guide[2] if v] == ["中央转移支付"] and any("HT-2026-09" in row for row in guide)
    template = io.BytesIO(resp.data)
    filled = load_workbook(template)
    filled.worksheets[0].append(["2026-09-01", "1", "甲公司", "中央转移支付", "HT-2026-09", ""])
    out = io.BytesIO()
    filled.save(out)
    assert upload(client, project.id, out.getvalue()).status_code == 302 and count() == 1


def test_hostile_and_huge_files_are_refused_cleanly(client, login, project):
    login("unit1")
    cases = [
        (b"", "请选择"),
        (samples.PDF, "不是 Excel 工作簿"),
        (samples.OLE_HEADER, ".xls"),
        (b"PK\x03\x04" + b"\x00" * 100, "不是 Excel 工作簿"),
        (b"PK\x03\x04" + b"\x00" * (11 * 1024 * 1024), "10 MB"),
        (workbook(["2026-09-01", "1", "甲", "中央转移支付"], header=["日期x", "金额x"]), "没有表头"),
        (workbook(header=HEADER), "没有支付数据行"),
    ]
    for data, word in cases:
        resp = upload(client, project.id, data)
        page = resp.get_data(as_text=True)
        assert resp.status_code in (413, 422), (word, resp.status_code)
        if resp.status_code == 422:
            problems = page[page.find("import-problems") :][:600]
            assert word in problems or word == "请选择", (word, problems)
    assert count() == 0


def test_formula_like_text_in_a_workbook_is_kept_as_text_and_shown_escaped(client, login, project):
    login("unit1")
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["2026-09-01", "1", '=HYPERLINK("http://x")<script>', "中央转移支付", "", "<b>备注</b>"])
    book.active["C2"].data_type = "s"  # typed as text in the cell, as a spreadsheet keeps a quoted '=…
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    assert upload(client, project.id, data).status_code == 302
    page = client.get(f"/projects/{project.id}/funds").get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;备注" in page
