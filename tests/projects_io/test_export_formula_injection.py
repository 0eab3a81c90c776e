"""Every spreadsheet the platform writes keeps user text as text: a project named like a formula stays a name."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from zerolegwork.exports import csv_row, guard_sheet, looks_like_formula, write_only_row
from zerolegwork.extensions import db
from zerolegwork.projects.services import create_project

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    '\r=HYPERLINK("http://example.invalid")',
]


@pytest.mark.parametrize("name", HOSTILE)
def test_the_library_export_writes_a_formula_like_project_name_as_text(client, login, people, name):
    unit = people["users"]["unit1"]
    create_project(None, name, unit.org_id, "昆区", "市政道路", Decimal("-5"), start_year=2026)
    db.session.commit()
    login("unit1")
    response = client.get("/projects/transfer/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=2) if row[1].value == name]
    assert len(cells) == 1, "the name is kept exactly as it was given"
    assert cells[0].data_type == "s"  # text, not a formula


def test_numbers_stay_numbers_and_plain_text_stays_as_it_is():
    assert csv_row(["-5", "-12.5000", "+3", "-7%", -5, Decimal("-1.2500"), "青山区", "a=b"]) == [
        "-5",
        "-12.5000",
        "+3",
        "-7%",
        -5,
        Decimal("-1.2500"),
        "青山区",
        "a=b",
    ]
    assert [looks_like_formula(v) for v in HOSTILE] == [True] * len(HOSTILE)


def test_a_csv_row_keeps_formula_like_text_from_running():
    out = io.StringIO()
    csv.writer(out).writerow(csv_row(HOSTILE))
    read = next(csv.reader(io.StringIO(out.getvalue())))
    assert read == ["'" + v for v in HOSTILE]


def test_a_filled_sheet_and_a_write_only_row_store_formula_like_text_as_text():
    book = Workbook()
    sheet = book.active
    sheet.append([*HOSTILE, -5, "正常名称"])
    guard_sheet(sheet)
    streamed = Workbook(write_only=True)
    stream = streamed.create_sheet("s")
    stream.append(write_only_row(stream, [*HOSTILE, -5]))
    for made in (book, streamed):
        out = io.BytesIO()
        made.save(out)
        row = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows())
        assert [c.value for c in row[: len(HOSTILE)]] == HOSTILE
        assert {c.data_type for c in row[: len(HOSTILE)]} == {"s"}
        assert row[len(HOSTILE)].value == -5 and row[len(HOSTILE)].data_type == "n"
