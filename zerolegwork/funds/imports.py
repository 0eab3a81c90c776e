"""Payments imported all or nothing: from an Excel workbook on the fund page, or rows given by a caller.

`import_payments(user, project, rows)` checks every row first; one bad row refuses the whole batch
with each bad row's number and reason (PaymentImportError), and nothing is written. The finance
system's payments can come through the same function (entry "api").
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from ..audit import services as audit
from ..extensions import db
from ..orgs.models import User
from ..projects.models import Project
from ..projects.sheet import cell_text, key, refuse_unsafe
from .errors import PaymentImportError, PaymentNotFoundError
from .models import Payment, PaymentEntry, PaymentKind
from .reconcile import refresh
from .services import Vocabulary, lock_project, may_enter, parse_payment

# field -> the column header of the template (and the words a bureau's own sheet may use instead)
COLUMNS: dict[str, tuple[str, ...]] = {
    "paid_on": ("支付日期", "拨付日期", "日期"),
    "amount": ("金额（万元）", "支付金额（万元）", "拨付金额（万元）", "金额"),
    "payee": ("收款单位", "收款人"),
    "source": ("资金来源",),
    "contract": ("合同编号", "合同", "合同名称"),
    "note": ("备注", "摘要"),
}
REQUIRED = ("paid_on", "amount", "payee", "source")
HEADER_KEYS = {key(word): name for name, words in COLUMNS.items() for word in words}
MAX_ROWS = 5000
MAX_COLUMNS = 30
MAX_PROBLEMS = 50  # shown; the count says how many more
FIELD_LABELS = {name: words[0] for name, words in COLUMNS.items()}


def _cells(data: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        yield from book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
    finally:
        book.close()


def _cell(value: Any) -> Any:
    """A cell for parse_payment: dates stay dates, numbers become their text at Excel's precision."""
    if isinstance(value, (datetime, date)) or value is None:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell_text(value)  # 15 significant digits: binary noise such as 0.30000000000000004 reads as 0.3
    return str(value)


def read_workbook(data: bytes) -> list[dict[str, Any]]:
    """The data rows of a payment workbook as fields (with `row`, Excel's row number); PaymentImportError else."""
    reason = refuse_unsafe(data)
    if reason:
        raise PaymentImportError([(0, reason)])
    rows: list[dict[str, Any]] = []
    columns: dict[int, str] = {}
    try:
        for number, values in enumerate(_cells(data), start=1):
            if not columns:
                found = {
                    i: HEADER_KEYS[key(cell_text(v))] for i, v in enumerate(values) if key(cell_text(v)) in HEADER_KEYS
                }
                if "amount" in found.values():
                    columns = found
                elif number >= 10:
                    break
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise PaymentImportError([(0, _("More than %(n)s rows; split the file.", n=MAX_ROWS))])
            fields = {name: _cell(values[i]) for i, name in columns.items() if i < len(values)}
            rows.append({"row": number, **fields})
    except PaymentImportError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise PaymentImportError(
            [(0, _("The workbook could not be read: %(reason)s", reason=type(exc).__name__))]
        ) from None
    if not columns:
        raise PaymentImportError([(0, _("No header row: the first rows must name the columns, e.g. 支付日期."))])
    missing = [FIELD_LABELS[n] for n in REQUIRED if n not in columns.values()]
    if missing:
        raise PaymentImportError([(0, _("Missing columns: %(names)s.", names="、".join(missing)))])
    if not rows:
        raise PaymentImportError([(0, _("The workbook has no payment rows."))])
    return rows


def import_payments(
    user: User, project: Project, rows: Sequence[Mapping[str, Any]], entry: str = PaymentEntry.IMPORT
) -> list[Payment]:
    """Enter every row as a payment of the project, or none: each row is checked before the first is written.

    A row is the fields of parse_payment (its `row` number names it in the refusal). The caller made sure
    the user sees the project; one reconciliation and one audit event follow the whole batch.
    """
    if not may_enter(user, project):
        raise PaymentNotFoundError(project.id)
    if not rows:
        raise PaymentImportError([(0, _("The workbook has no payment rows."))])
    if len(rows) > MAX_ROWS:
        raise PaymentImportError([(0, _("More than %(n)s rows; split the file.", n=MAX_ROWS))])
    vocabulary = Vocabulary.of(project.id)
    problems: list[tuple[int, str]] = []
    parsed = []
    for index, row in enumerate(rows, start=1):
        number = int(row.get("row") or index)
        fields, errors = parse_payment(row, vocabulary)
        for name, message in errors.items():
            problems.append(
                (
                    number,
                    _(
                        "Row %(row)s, %(column)s: %(message)s",
                        row=number,
                        column=FIELD_LABELS.get(name, name),
                        message=message,
                    ),
                )
            )
        parsed.append(fields)
    if problems:
        if len(problems) > MAX_PROBLEMS:
            rest = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], (0, _("… and %(n)s more problems.", n=rest))]
        raise PaymentImportError(problems)
    lock_project(project.id)
    payments = [
        Payment(
            project_id=project.id, kind=PaymentKind.PAYMENT, entry=entry, org_id=user.org_id, created_by_id=user.id, **f
        )
        for f in parsed
    ]
    db.session.add_all(payments)
    db.session.flush()
    total = sum((p.amount for p in payments), Decimal(0))
    audit.record(
        "payment.import",
        "project",
        project.id,
        user.id,
        entry=str(entry),
        rows=len(payments),
        total=str(total),
        first=payments[0].id,
        last=payments[-1].id,
    )
    refresh(project)
    return payments
