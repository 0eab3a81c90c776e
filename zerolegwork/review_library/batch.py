"""A call's review reports as one batch of reports/batch (kind "review"): progress bar, then one ZIP."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..calls.models import ProjectCall
from ..extensions import db
from ..orgs.models import User
from ..reports.batch.models import ReportBatch
from ..reports.batch.services import MAX_PROJECTS, queue_batch
from .errors import LibraryError, LibraryNotFoundError
from .models import LibraryEntry
from .services import manages_call

KIND = "review"


def start_review_batch(user: User, call: ProjectCall) -> ReportBatch:
    """Queue the report of every entry of the call, best score first (flush only): the department's, with names."""
    if not manages_call(user, call):
        raise LibraryNotFoundError(call.id)
    ids = list(
        db.session.scalars(
            select(LibraryEntry.id)
            .where(LibraryEntry.call_id == call.id)
            .order_by(LibraryEntry.score.desc().nulls_last(), LibraryEntry.id)
            .limit(MAX_PROJECTS)
        )
    )
    if not ids:
        raise LibraryError(_("The call's review library is empty: there is no report to generate."))
    return queue_batch(
        user, ids, query=f"call_id={call.id}", kind=KIND, audit_details={"kind": KIND, "call_id": call.id}
    )


def describe(entry_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each entry's (project code, project name) for the batch's items and index.csv."""
    from ..projects.models import Project

    rows = db.session.execute(
        select(LibraryEntry.id, Project.code, Project.name)
        .join(Project, Project.id == LibraryEntry.project_id)
        .where(LibraryEntry.id.in_(entry_ids))
    )
    return {i: (code, name) for i, code, name in rows}
