"""The construction log (建设日志): dated entries with text and photos, shown as a timeline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..extensions import db
from ..orgs.models import User
from .errors import ProjectFormError
from .models import LogEntry
from .services import get_visible_project

MAX_TEXT = 5000


def add_entry(user: User, project_id: int, entry_date: str, text: str, today: date | None = None) -> LogEntry:
    """Add an entry to a project the user may see (flush only); the date may not lie in the future."""
    project = get_visible_project(user, project_id)
    errors: dict[str, str] = {}
    today = today or date.today()
    try:
        day = date.fromisoformat(entry_date.strip())
    except ValueError:
        day = None
        errors["entry_date"] = _("Enter a date like 2026-05-01.")
    if day is not None and not (today - timedelta(days=3650) <= day <= today + timedelta(days=1)):
        errors["entry_date"] = _("The date must be within the last ten years and not in the future.")
    body = text.strip()
    if not body:
        errors["text"] = _("This field is required.")
    elif len(body) > MAX_TEXT:
        errors["text"] = _("At most %(n)s characters.", n=MAX_TEXT)
    if errors:
        raise ProjectFormError(errors)
    assert day is not None
    entry = LogEntry(project_id=project.id, entry_date=day, text=body, author_id=user.id, org_id=user.org_id)
    db.session.add(entry)
    db.session.flush()
    audit.record("project.log", "log_entry", entry.id, user.id, project=project.id)
    return entry


MAX_PHOTOS = 9


def add_entry_with_photos(
    user: User, project_id: int, entry_date: str, text: str, photos: list[tuple[str, IO[bytes]]]
) -> LogEntry:
    """Add an entry and its photos (pictures only, at most nine); any refused photo refuses the whole entry."""
    from ..files import services as files
    from ..files.validation import IMAGE_EXTENSIONS

    if len(photos) > MAX_PHOTOS:
        raise ProjectFormError({"photos": _("At most %(n)s photos per entry.", n=MAX_PHOTOS)})
    entry = add_entry(user, project_id, entry_date, text)
    for filename, stream in photos:
        files.upload(user, project_id, photo_slot(entry.id), filename, stream, extensions=IMAGE_EXTENSIONS)
    return entry


def photos_of(user: User, project_id: int, entry_ids: list[int]) -> dict[int, list[Any]]:
    """The photos of some entries, by entry id (one query)."""
    from ..files import services as files

    wanted = {photo_slot(i): i for i in entry_ids}
    out: dict[int, list[Any]] = {}
    for attachment in files.attachments_of(user, project_id):
        if attachment.slot in wanted:
            out.setdefault(wanted[attachment.slot], []).append(attachment)
    return out


def entries(project_id: int, limit: int = 50, before_id: int | None = None) -> list[LogEntry]:
    """The newest entries first (by date, then by writing order), one page at a time."""
    stmt = select(LogEntry).where(LogEntry.project_id == project_id)
    if before_id is not None:
        stmt = stmt.where(LogEntry.id < before_id)
    return list(db.session.scalars(stmt.order_by(LogEntry.entry_date.desc(), LogEntry.id.desc()).limit(limit)))


def photo_slot(entry_id: int) -> str:
    """The evidence slot that holds an entry's photos."""
    return f"log_{entry_id}"
