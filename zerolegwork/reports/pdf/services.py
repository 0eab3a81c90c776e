"""The project report as a service: a visible project's PDF, its download (audited), the batch's render."""

from __future__ import annotations

from datetime import datetime

from ...db import utcnow
from ...orgs.models import User
from ...projects.errors import ProjectNotFoundError
from ...projects.models import Project
from ...replica import reports_reads
from .data import ReportData, gather
from .layout import build


def project_report(user: User, project_id: int, generated_at: datetime | None = None) -> bytes:
    """The PDF report of a project the user may see; ProjectNotFoundError (404) for any other."""
    from ...projects.services import get_visible_project

    project = get_visible_project(user, project_id)
    return render(project.id, generated_at)


def download(user: User, project_id: int) -> tuple[str, bytes]:
    """The report as a download for a user who may see the project: its file name and bytes; audited (flush only)."""
    from ...audit import services as audit
    from ...projects.services import get_visible_project

    project = get_visible_project(user, project_id)
    data = render(project.id)
    audit.record("report.project_pdf", "project", project.id, user.id, size=len(data))
    return file_name(project), data


def render(project_id: int, generated_at: datetime | None = None) -> bytes:
    """The PDF of a project, without a visibility check (the caller made it); same data and time, same bytes."""
    return build(_gathered(project_id), generated_at or utcnow())


def _gathered(project_id: int) -> ReportData:
    """The project's data read on the reports engine; on the primary when the replica does not have it yet."""
    try:
        with reports_reads():
            return gather(project_id)
    except ProjectNotFoundError:  # younger than the replica's lag (the caller found it on the primary)
        return gather(project_id)


def file_name(project: Project) -> str:
    """`<code>_<name>.pdf` with nothing a file system or a ZIP reader could misread."""
    safe = "".join(c if c.isalnum() or c in "-_（）()" else "_" for c in project.name).strip("_")[:80]
    code = "".join(c if c.isalnum() or c == "-" else "_" for c in project.code)
    return f"{code}_{safe or 'project'}.pdf"
