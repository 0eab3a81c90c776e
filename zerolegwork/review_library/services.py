"""The review library: entries made at 结果运用, who may see them, a call's ranked results (flush, never commit)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..calls.errors import CallNotFoundError
from ..calls.models import ProjectCall
from ..calls.services import FOUR, get_managed_call, parse_amount
from ..experts.models import MemberState, ReviewPanel
from ..extensions import db
from ..orgs.models import OrgKind, User
from ..projects.models import Project
from ..reviews import dossier
from ..reviews.models import ReviewCase, Verdict
from .errors import LibraryError, LibraryNotFoundError
from .models import BudgetLine, LibraryEntry

FUNDABLE = (Verdict.PASS, Verdict.PASS_AFTER_REVISION)


def enter(user: User, case: ReviewCase) -> LibraryEntry:
    """Enter a concluded case into the library with its dossier's manifest of now; a case enters once.

    Entering again returns the first entry unchanged (结果运用 may be retried), never a second one.
    """
    kept = db.session.scalars(select(LibraryEntry).where(LibraryEntry.case_id == case.id)).first()
    if kept is not None:
        return kept
    if case.verdict is None:
        raise LibraryError(_("The review has no conclusion yet."))
    entries, whole = dossier.manifest(case)
    entry = LibraryEntry(
        call_id=case.call_id,
        case_id=case.id,
        project_id=case.project_id,
        unit_id=case.application.unit_id,
        verdict=case.verdict,
        score=case.score,
        recommended_amount=case.recommended_amount,
        opinion=case.opinion or "",
        plan=dict(case.plan or {}),
        manifest=entries,
        manifest_sha256=whole,
        entered_by_id=user.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "library.enter",
        "library_entry",
        entry.id,
        user.id,
        case_id=case.id,
        verdict=entry.verdict,
        score=str(entry.score),
        manifest_sha256=whole,
    )
    return entry


def is_platform_admin(user: User) -> bool:
    """An administrator of the platform itself (a department's own administrator is not one)."""
    return bool(user.is_admin) and user.org.kind == OrgKind.DEPARTMENT and user.org.dept_type == "admin"


def entry_of_case(case_id: int) -> LibraryEntry | None:
    """The library entry a case made at its 结果运用, if it has one."""
    return db.session.scalars(select(LibraryEntry).where(LibraryEntry.case_id == case_id)).first()


def manages_call(user: User, call: ProjectCall) -> bool:
    """The call's issuing department (finance by default) and the platform's administrators read its library."""
    return user.org_id == call.issuer_id or is_platform_admin(user)


def on_panel(user: User, entry: LibraryEntry) -> bool:
    """Whether the user is an expert seated on the entry's panel (the report, with names, is theirs to read)."""
    panel_id = entry.case.panel_id
    if panel_id is None or user.org.kind != OrgKind.EXPERT:
        return False
    from ..experts.access import seat_of

    panel = db.session.get(ReviewPanel, panel_id)
    seat = seat_of(user, panel) if panel is not None else None
    return seat is not None and seat.state != MemberState.DECLINED


def get_entry(user: User, entry_id: int) -> LibraryEntry:
    """An entry the user may see: the call's department, admins, the applicant unit, the panel's experts."""
    entry = db.session.get(LibraryEntry, entry_id)
    if entry is None:
        raise LibraryNotFoundError(entry_id)
    if manages_call(user, entry.call) or user.org_id == entry.unit_id or on_panel(user, entry):
        return entry
    raise LibraryNotFoundError(entry_id)


def sees_names(user: User, entry: LibraryEntry) -> bool:
    """The applicant unit reads the report without the experts' names (回避: it must not learn who judged)."""
    return manages_call(user, entry.call) or on_panel(user, entry)


def library_call(user: User, call_id: int) -> ProjectCall:
    """The call whose library the user may open: its department and admins (all), a unit (its own entries)."""
    call = db.session.get(ProjectCall, call_id)
    if call is None:
        raise LibraryNotFoundError(call_id)
    if manages_call(user, call):
        return call
    if user.org.kind == OrgKind.UNIT and db.session.scalar(
        select(LibraryEntry.id).where(LibraryEntry.call_id == call.id, LibraryEntry.unit_id == user.org_id).limit(1)
    ):
        return call
    raise LibraryNotFoundError(call_id)


def managed_call(user: User, call_id: int) -> ProjectCall:
    """The call locked for a change of its budget: its issuing department only (admins read, they do not arrange)."""
    try:
        return get_managed_call(user, call_id)
    except CallNotFoundError:
        raise LibraryNotFoundError(call_id) from None


def ranked_query(user: User, call: ProjectCall, q: str = "", verdict: str = "") -> Select[Any]:
    """The call's entries the user may see, best score first (then the earlier entry), with the project joined."""
    arranged = (
        select(BudgetLine.entry_id, func.sum(BudgetLine.amount).label("arranged"))
        .where(BudgetLine.call_id == call.id)
        .group_by(BudgetLine.entry_id)
        .subquery()
    )
    stmt = (
        select(LibraryEntry, Project, func.coalesce(arranged.c.arranged, 0))
        .join(Project, Project.id == LibraryEntry.project_id)
        .outerjoin(arranged, arranged.c.entry_id == LibraryEntry.id)
        .where(LibraryEntry.call_id == call.id)
        .options(joinedload(LibraryEntry.unit))
        .order_by(LibraryEntry.score.desc().nulls_last(), LibraryEntry.id)
    )
    if not manages_call(user, call):
        stmt = stmt.where(LibraryEntry.unit_id == user.org_id)
    if verdict in tuple(Verdict):
        stmt = stmt.where(LibraryEntry.verdict == verdict)
    if q:
        stmt = stmt.where(Project.name.contains(q, autoescape=True))
    return stmt


def count(stmt: Select[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def page_of(stmt: Select[Any], page: int, per_page: int) -> Sequence[Any]:
    return db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()


def arranged_total(call: ProjectCall) -> Decimal:
    """What the call's arrangements add up to (万元)."""
    value = db.session.scalar(
        select(func.coalesce(func.sum(BudgetLine.amount), 0)).where(BudgetLine.call_id == call.id)
    )
    return Decimal(value or 0).quantize(FOUR)


def set_total(user: User, call_id: int, raw: object) -> ProjectCall:
    """Set the call's money (万元); it may not fall below what is already arranged."""
    call = managed_call(user, call_id)
    errors: dict[str, str] = {}
    value = parse_amount(raw, "total_amount", errors)
    if value is None:
        raise LibraryError(errors["total_amount"])
    already = arranged_total(call)
    if value < already:
        raise LibraryError(
            _(
                "The total cannot be below what is already arranged (%(arranged)s 万元).",
                arranged=format(already, "f"),
            )
        )
    before = str(call.total_amount) if call.total_amount is not None else None
    call.total_amount = value
    call.budget_version = (call.budget_version or 0) + 1
    db.session.flush()
    audit.record("call.total", "project_call", call.id, user.id, before=before, after=format(value, "f"))
    return call
