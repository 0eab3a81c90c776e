"""预算安排: the finance department arranges budget on a call's passed entries, never beyond the call's total.

One form submission may arrange many entries; it is kept whole or refused whole. The call's row is locked
(`SELECT … FOR UPDATE` on PostgreSQL) and its `budget_version` checked and raised on update everywhere, so
two finance users arranging at once cannot together exceed the total: the later one is refused (409).
Each line writes an api.BudgetArrangement row, which the project's funding view, the funds source cap
and the /api/v1 budget exchange read.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..api.models import BudgetArrangement
from ..audit import services as audit
from ..calls.models import ProjectCall
from ..calls.services import parse_amount
from ..engine.routing import today_local
from ..extensions import db
from ..orgs.models import User
from ..records.fields import SOURCES
from .errors import BudgetConflictError, BudgetRefusedError, LibraryNotFoundError
from .models import BudgetLine, LibraryEntry
from .services import FUNDABLE, arranged_total, managed_call

MAX_DOCUMENT_NO = 100


def source_of(call: ProjectCall) -> str:
    """The call's funding source as a budget arrangement's source type (other when the call names none)."""
    return call.funding_source if call.funding_source in SOURCES else "other"


def amounts_of(form: Any) -> dict[int, str]:
    """The form's `amount_<entry id>` fields that were filled in."""
    out: dict[int, str] = {}
    for key in form:
        if key.startswith("amount_") and key[7:].isdigit() and str(form.get(key) or "").strip():
            out[int(key[7:])] = str(form.get(key))
    return out


def _year(raw: object, errors: dict[str, str]) -> int | None:
    text = str(raw or "").strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        errors["year"] = _("Enter the budget year, e.g. 2026.")
        return None
    return int(text)


def _version(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() else None


def arrange(user: User, call_id: int, form: Any) -> list[BudgetLine]:
    """Arrange the form's amounts on the call's entries, all or nothing (flush only)."""
    call = managed_call(user, call_id)  # the row lock: a concurrent arrangement waits here
    seen = _version(form.get("version"))
    if seen is not None and seen != call.budget_version:
        raise stale()
    errors: dict[str, str] = {}
    year = _year(form.get("year"), errors)
    document_no = " ".join(str(form.get("document_no") or "").split())
    if not document_no:
        errors["document_no"] = _("Enter the finance document number (文号).")
    elif len(document_no) > MAX_DOCUMENT_NO:
        errors["document_no"] = _("At most %(n)s characters.", n=MAX_DOCUMENT_NO)
    raw = amounts_of(form)
    if not raw:
        errors["_form"] = _("Enter an amount for at least one project.")
    entries = {
        e.id: e
        for e in db.session.scalars(
            select(LibraryEntry).where(LibraryEntry.call_id == call.id, LibraryEntry.id.in_(raw))
        )
    }
    asked: dict[int, Decimal] = {}
    for entry_id, text in sorted(raw.items()):
        field = f"amount_{entry_id}"
        entry = entries.get(entry_id)
        if entry is None:
            errors[field] = _("This project is not in the call's review library.")
            continue
        if entry.verdict not in FUNDABLE:
            errors[field] = _("Only projects that passed the review (通过 / 修改后通过) are arranged budget.")
            continue
        value = parse_amount(text, field, errors)
        if value is not None:
            asked[entry_id] = value
    if call.total_amount is None:
        errors["_form"] = _("Set the call's total amount before arranging budget.")
    if year is not None and document_no and asked:
        taken = set(
            db.session.scalars(
                select(BudgetArrangement.project_id).where(
                    BudgetArrangement.project_id.in_({entries[i].project_id for i in asked}),
                    BudgetArrangement.year == year,
                    BudgetArrangement.document_no == document_no,
                )
            )
        )
        for entry_id in asked:
            if entries[entry_id].project_id in taken:
                errors[f"amount_{entry_id}"] = _(
                    "This project already has an arrangement of %(year)s under document %(doc)s.",
                    year=year,
                    doc=document_no,
                )
    if errors:
        raise BudgetRefusedError(errors)
    assert call.total_amount is not None and year is not None
    already = arranged_total(call)
    wanted = sum(asked.values(), Decimal(0))
    if already + wanted > call.total_amount:
        raise BudgetRefusedError(
            {
                "_form": _(
                    "The arrangement exceeds the call's total and was refused whole: total %(total)s 万元, "
                    "already arranged %(already)s 万元, asked %(asked)s 万元, excess %(excess)s 万元.",
                    total=format(call.total_amount, "f"),
                    already=format(already, "f"),
                    asked=format(wanted, "f"),
                    excess=format(already + wanted - call.total_amount, "f"),
                )
            }
        )
    bump(call)
    return _write(user, call, entries, asked, year, document_no, today_local())


def stale() -> BudgetConflictError:
    return BudgetConflictError(
        _("Someone else changed this call's budget after you opened the page. Reload and look at it again.")
    )


def bump(call: ProjectCall) -> None:
    """Raise the call's budget version, checked on update: a concurrent change makes this a conflict (409)."""
    version = call.budget_version
    moved = db.session.execute(
        update(ProjectCall)
        .where(ProjectCall.id == call.id, ProjectCall.budget_version == version)
        .values(budget_version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise stale()
    call.budget_version = version + 1


def reverse(user: User, line_id: int, form: Any) -> BudgetLine:
    """冲销: cancel one arranged line by a line (and a BudgetArrangement) of the opposite amount (flush only).

    Nothing is deleted: the project's arranged sum, the API and the call's remaining money all drop by the
    line's amount. A line is reversed once; a reversal is not reversed (arrange again instead).
    """
    line = db.session.get(BudgetLine, line_id)
    if line is None:
        raise LibraryNotFoundError(line_id)
    call = managed_call(user, line.call_id)
    seen = _version(form.get("version"))
    if seen is not None and seen != call.budget_version:
        raise stale()
    reason = " ".join(str(form.get("reason") or "").split())[:500]
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Say why the arrangement is reversed.")
    if line.reverses_id is not None:
        errors["_form"] = _("A reversal cannot be reversed; arrange the amount again instead.")
    elif db.session.scalar(select(BudgetLine.id).where(BudgetLine.reverses_id == line.id)) is not None:
        errors["_form"] = _("This arrangement is already reversed.")
    if errors:
        raise BudgetRefusedError(errors)
    bump(call)
    document_no = f"{line.document_no}（冲销）"[-MAX_DOCUMENT_NO:]
    row = BudgetArrangement(
        project_id=line.entry.project_id,
        year=line.year,
        amount=-line.amount,
        source=source_of(call),
        document_no=document_no,
        arranged_on=today_local(),
    )
    db.session.add(row)
    db.session.flush()
    undo = BudgetLine(
        call_id=call.id,
        entry_id=line.entry_id,
        arrangement_id=row.id,
        amount=-line.amount,
        year=line.year,
        document_no=document_no,
        reverses_id=line.id,
        reason=reason,
        created_by_id=user.id,
    )
    db.session.add(undo)
    db.session.flush()
    audit.record(
        "budget.reverse",
        "project",
        row.project_id,
        user.id,
        call_id=call.id,
        line_id=line.id,
        amount=format(-line.amount, "f"),
        document_no=document_no,
        reason=reason,
    )
    from ..funds.reconcile import refresh_projects

    refresh_projects({row.project_id})
    return undo


def _write(
    user: User,
    call: ProjectCall,
    entries: dict[int, LibraryEntry],
    asked: dict[int, Decimal],
    year: int,
    document_no: str,
    on: date,
) -> list[BudgetLine]:
    lines = []
    for entry_id, value in sorted(asked.items()):
        entry = entries[entry_id]
        row = BudgetArrangement(
            project_id=entry.project_id,
            year=year,
            amount=value,
            source=source_of(call),
            document_no=document_no,
            arranged_on=on,
        )
        db.session.add(row)
        db.session.flush()
        line = BudgetLine(
            call_id=call.id,
            entry_id=entry.id,
            arrangement_id=row.id,
            amount=value,
            year=year,
            document_no=document_no,
            created_by_id=user.id,
        )
        db.session.add(line)
        lines.append(line)
        audit.record(
            "budget.arrange",
            "project",
            entry.project_id,
            user.id,
            call_id=call.id,
            entry_id=entry.id,
            year=year,
            amount=format(value, "f"),
            source=row.source,
            document_no=document_no,
        )
    db.session.flush()
    from ..funds.reconcile import refresh_projects  # the arranged amounts changed: reconcile the projects again

    refresh_projects({entries[i].project_id for i in asked})
    return lines


def lines_of(entry: LibraryEntry) -> list[BudgetLine]:
    """An entry's budget lines, oldest first."""
    return list(db.session.scalars(select(BudgetLine).where(BudgetLine.entry_id == entry.id).order_by(BudgetLine.id)))


def reversed_ids(lines: list[BudgetLine]) -> set[int]:
    """The lines among these that a later line reverses."""
    return {line.reverses_id for line in lines if line.reverses_id is not None}
