"""Payments entered on the project's fund page: who may, the form's checks, reversal, vouchers (flush only).

Everyone who sees the project (permissions.project_scope) reads its ledger. Payments are entered by
the project's own unit (it pays its contractors: 支付) and by a finance department that sees the
project (it disburses to the unit: 拨付); a payment is reversed, and its voucher added, only by the
organisation that entered it. Anything else answers 404, as for what one may not see.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..db import utcnow
from ..dictionaries import services as dictionaries
from ..engine.routing import today_local
from ..extensions import db
from ..files import services as files
from ..orgs.models import OrgKind, User
from ..projects.models import Project
from ..projects.services import get_visible_project
from ..records.models import Contract
from . import vouchers
from .errors import PaymentError, PaymentFormError, PaymentNotFoundError
from .models import Payment, PaymentEntry, PaymentKind
from .reconcile import refresh

FINANCE = "finance"
MAX_PAYEE = 200
MAX_NOTE = 2000
MAX_REASON = 500
MAX_AMOUNT = Decimal("100000000000")  # 万元
FOUR = Decimal("0.0001")
EARLIEST = date(1990, 1, 1)


def clean_text(text: object) -> str:
    """One line as typed, without control characters (a pasted NUL, a bidi override) and runs of spaces."""
    kept = "".join(
        " " if ch in "\t\r\n" else ch
        for ch in str(text or "")
        if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\r\n"
    )
    return " ".join(kept.split())


def may_enter(user: User, project: Project) -> bool:
    """The project's own unit, or a finance department (the project is one the user sees)."""
    org = user.org
    return org.id == project.unit_id or (org.kind == OrgKind.DEPARTMENT and org.dept_type == FINANCE)


def get_enterable_project(user: User, project_id: int) -> Project:
    """The project when the user may enter its payments; ProjectNotFoundError / PaymentNotFoundError (404) else."""
    project = get_visible_project(user, project_id)
    if not may_enter(user, project):
        raise PaymentNotFoundError(project_id)
    return project


def lock_project(project_id: int) -> None:
    """Changes of one project's ledger wait for each other, so each reconciliation sees the one before.

    A row lock on PostgreSQL; on SQLite the transaction begins as a writer (BEGIN IMMEDIATE).
    """
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    db.session.execute(select(Project.id).where(Project.id == project_id).with_for_update())


def contracts_of(project_id: int) -> dict[int, Contract]:
    """The project's filed contracts by id (the form's choices and the import's references)."""
    rows = db.session.scalars(select(Contract).where(Contract.project_id == project_id).order_by(Contract.id))
    return {c.id: c for c in rows}


@dataclass
class Vocabulary:
    """What a payment may name: the funding sources (code -> name) and the project's contracts."""

    sources: dict[str, str]
    contracts: dict[int, Contract]

    @classmethod
    def of(cls, project_id: int) -> Vocabulary:
        return cls(dictionaries.labels("funding_source"), contracts_of(project_id))


def parse_amount(raw: object) -> Decimal:
    """An amount in 万元 written as text (a Decimal passes): more than 0, at most four decimals."""
    if isinstance(raw, (bool, float)):
        raise ValueError(_("Enter the amount as a number written out, e.g. 120.5000."))
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).replace(",", "").strip()
    if not text:
        raise ValueError(_("This field is required."))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Enter an amount in 10k yuan (a number).")) from None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        raise ValueError(_("Enter an amount above 0 and at most %(max)s (10k yuan).", max="100,000,000,000"))
    if value != value.quantize(FOUR):
        raise ValueError(_("At most four decimal places (10k yuan)."))
    return value.quantize(FOUR)


def parse_date(raw: object) -> date:
    """A payment date: a date, or text as 2026-03-02 (or 2026/3/2); not in the future."""
    if isinstance(raw, datetime):
        day = raw.date()
    elif isinstance(raw, date):
        day = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw or "")).strip().replace("/", "-").replace(".", "-")
        if not text:
            raise ValueError(_("This field is required."))
        try:
            y, m, d = (int(part) for part in text.split("-"))
            day = date(y, m, d)
        except ValueError:
            raise ValueError(_("Enter a date as year-month-day, e.g. 2026-03-02.")) from None
    if day > today_local():
        raise ValueError(_("A payment date cannot be in the future."))
    if day < EARLIEST:
        raise ValueError(_("Enter a date after 1990."))
    return day


def parse_payment(values: Mapping[str, Any], vocabulary: Vocabulary) -> tuple[dict[str, Any], dict[str, str]]:
    """A payment's columns from its fields (paid_on, amount, payee, source, contract, note), and the errors.

    `source` is a funding source's code or name; `contract` a contract's number (its record id) or its
    exact title among the project's contracts, or empty.
    """
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, parse in (("paid_on", parse_date), ("amount", parse_amount)):
        try:
            out[name] = parse(values.get(name))
        except ValueError as exc:
            errors[name] = str(exc)
    payee = clean_text(values.get("payee"))
    if not payee:
        errors["payee"] = _("This field is required.")
    elif len(payee) > MAX_PAYEE:
        errors["payee"] = _("At most %(n)s characters.", n=MAX_PAYEE)
    out["payee"] = payee
    source = clean_text(values.get("source"))
    if source in vocabulary.sources:
        out["source"] = source
    else:
        entry = dictionaries.find("funding_source", source, active_only=False) if source else None
        if entry is None:
            errors["source"] = (
                _("Choose one of the listed funding sources.") if source else _("This field is required.")
            )
        else:
            out["source"] = entry.code
    reference = clean_text(values.get("contract")).lstrip("#")
    out["contract_id"] = None
    if reference:
        if reference.isdigit() and len(reference) < 12 and int(reference) in vocabulary.contracts:
            out["contract_id"] = int(reference)
        else:
            named = [c.id for c in vocabulary.contracts.values() if c.title == reference]
            if len(named) == 1:
                out["contract_id"] = named[0]
            else:
                errors["contract"] = _(
                    "No contract of this project is numbered or titled 「%(ref)s」.", ref=reference[:50]
                )
    note = clean_text(values.get("note"))
    if len(note) > MAX_NOTE:
        errors["note"] = _("At most %(n)s characters.", n=MAX_NOTE)
    out["note"] = note
    return out, errors


def snapshot(payment: Payment) -> dict[str, Any]:
    """A payment as the audit log keeps it."""
    return {
        "kind": payment.kind,
        "paid_on": payment.paid_on.isoformat(),
        "amount": str(payment.amount),
        "payee": payment.payee,
        "source": payment.source,
        "contract": payment.contract_id,
        "voucher": payment.voucher_id,
        "entry": payment.entry,
    }


def record_payment(
    user: User, project_id: int, form: Mapping[str, Any], voucher: tuple[str, IO[bytes]] | None = None
) -> Payment:
    """Enter one payment from the page's form, with its voucher when one is given; reconciled at once."""
    project = get_enterable_project(user, project_id)
    fields, errors = parse_payment(form, Vocabulary.of(project.id))
    if errors:
        raise PaymentFormError(errors)
    lock_project(project.id)
    payment = Payment(
        project_id=project.id,
        kind=PaymentKind.PAYMENT,
        entry=PaymentEntry.FORM,
        org_id=user.org_id,
        created_by_id=user.id,
        **fields,
    )
    db.session.add(payment)
    db.session.flush()
    if voucher is not None and voucher[0]:
        payment.voucher_id = files.upload(user, project.id, vouchers.slot_for(payment.id), *voucher).id
    audit.record("payment.create", "payment", payment.id, user.id, project=project.id, after=snapshot(payment))
    refresh(project)
    return payment


def get_own_payment(user: User, payment_id: int) -> tuple[Payment, Project]:
    """A payment the user's organisation entered, on a project it sees; PaymentNotFoundError (404) else."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.org_id != user.org_id:
        raise PaymentNotFoundError(payment_id)
    project = get_visible_project(user, payment.project_id)
    return payment, project


def reverse_payment(user: User, payment_id: int, reason: str) -> Payment:
    """Undo a payment by a reversal entry (its negative, with the reason); the payment stays on record."""
    payment, project = get_own_payment(user, payment_id)
    text = clean_text(reason)
    if not text:
        raise PaymentError(_("Give the reason for the reversal."))
    if len(text) > MAX_REASON:
        raise PaymentError(_("The reason has at most %(n)s characters.", n=MAX_REASON))
    if payment.kind != PaymentKind.PAYMENT:
        raise PaymentError(_("A reversal cannot be reversed; enter the payment again instead."))
    lock_project(project.id)
    marked = db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.reversed_at.is_(None))
        .values(reversed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        raise PaymentError(_("This payment has already been reversed."))
    db.session.refresh(payment)
    reversal = Payment(
        project_id=project.id,
        kind=PaymentKind.REVERSAL,
        paid_on=today_local(),
        amount=-payment.amount,
        payee=payment.payee,
        contract_id=payment.contract_id,
        source=payment.source,
        note="",
        entry=PaymentEntry.FORM,
        reverses_id=payment.id,
        reason=text,
        org_id=user.org_id,
        created_by_id=user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(reversal)
    except IntegrityError:
        raise PaymentError(_("This payment has already been reversed.")) from None
    audit.record(
        "payment.reverse",
        "payment",
        payment.id,
        user.id,
        project=project.id,
        reason=text,
        reversal=reversal.id,
        before=snapshot(payment),
    )
    refresh(project)
    return reversal


def attach_voucher(user: User, payment_id: int, filename: str, stream: IO[bytes]) -> Payment:
    """Add (or replace) a payment's voucher: a new version of its evidence slot; reconciled at once."""
    payment, project = get_own_payment(user, payment_id)
    if payment.kind != PaymentKind.PAYMENT or payment.reversed_at is not None:
        raise PaymentError(_("A reversed payment takes no voucher."))
    if not filename:
        raise PaymentError(_("Choose the voucher's file."))
    lock_project(project.id)
    before = payment.voucher_id
    payment.voucher_id = files.upload(user, project.id, vouchers.slot_for(payment.id), filename, stream).id
    db.session.flush()
    audit.record(
        "payment.voucher", "payment", payment.id, user.id, project=project.id, before=before, after=payment.voucher_id
    )
    refresh(project)
    return payment
