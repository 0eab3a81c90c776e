"""Attachments: upload evidence to a project, list it, find it for a download (flush only, never commit)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable
from typing import IO, BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..db import is_postgres, utcnow
from ..engine.errors import TaskNotFoundError
from ..engine.models import HumanTask
from ..extensions import db
from ..orgs.models import User
from ..projects.errors import ProjectNotFoundError
from ..projects.models import Project
from ..projects.services import get_visible_project
from . import owners, validation
from .errors import (
    AttachmentNotFoundError,
    EvidenceOnRecordError,
    EvidenceOwnerError,
    FileTooLargeError,
    NoFileError,
    SlotError,
)
from .models import Attachment, Blob
from .slots import SLOT_RE, Slot
from .storage import storage

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 1024 * 1024  # larger uploads are spooled to a temporary file while they are checked


def upload(
    user: User,
    project_id: int,
    slot: str,
    filename: str,
    stream: IO[bytes],
    task_id: int | None = None,
    extensions: tuple[str, ...] | None = None,
) -> Attachment:
    """Check a file and attach it to a project as the next version of a slot (flush only).

    The version joins its owner's line (files/owners.py): the project unit's material takes versions
    from the unit and its engaged agencies only, a review slot from each department for itself; anyone
    else is refused (EvidenceOwnerError) before a byte is read. The content is stored once per sha256;
    the same file uploaded again as the newest version of the same line returns that version.
    """
    project = get_visible_project(user, project_id)
    if not SLOT_RE.fullmatch(slot or ""):
        raise SlotError(slot)
    owner_org_id = owners.line_owner(user, project, slot)
    if task_id is not None:
        task_project = db.session.scalar(select(HumanTask.project_id).where(HumanTask.id == task_id))
        if task_project != project.id:
            raise TaskNotFoundError(str(task_id))
    name = validation.clean_filename(filename)
    extension = validation.extension_of(name)
    if extensions is None:  # what the slot's form declares (a photo slot takes pictures only), never the request
        extensions = owners.extensions_of_slot(slot)
    content_type = validation.check_extension(extension, extensions)
    limit = int(current_app.config["ZLW"].upload_max_bytes)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        sha256, size = _copy_hashing(stream, spool, limit)
        validation.check_content(extension, spool)  # type: ignore[arg-type]
        # the bytes go to storage before the row is committed: a committed row always has its file
        # (a rolled-back upload leaves an unreferenced file, harmless under its content's name)
        spool.seek(0)
        storage().put(sha256, spool)  # type: ignore[arg-type]
    _lock_project(project.id)
    line = list(
        db.session.scalars(
            select(Attachment)
            .where(
                Attachment.project_id == project.id, Attachment.slot == slot, Attachment.owner_org_id == owner_org_id
            )
            .order_by(Attachment.version.desc())
        )
    )
    latest = line[0] if line else None
    current = next((a for a in line if a.withdrawn_at is None), None)
    if current is not None and current.sha256 == sha256:
        return current  # a repeated upload (a double tap on a phone) adds no version
    _ensure_blob(sha256, size, content_type)
    attachment = Attachment(
        project_id=project.id,
        slot=slot,
        task_id=task_id,
        filename=name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        version=(latest.version if latest else 0) + 1,
        uploaded_by_id=user.id,
        org_id=user.org_id,
        owner_org_id=owner_org_id,
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(
        "file.upload", "attachment", attachment.id, user.id, sha256=sha256, slot=slot, project=project.id, name=name
    )
    return attachment


def _copy_hashing(stream: IO[bytes], out: IO[bytes], limit: int) -> tuple[str, int]:
    """Copy the upload while hashing it; stop as soon as it passes the size limit."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileTooLargeError(limit)
        digest.update(chunk)
        out.write(chunk)
    if size == 0:
        raise NoFileError()
    return digest.hexdigest(), size


def _lock_project(project_id: int) -> None:
    """Serialize version numbering per project (PostgreSQL row lock; SQLite writes one at a time)."""
    db.session.execute(select(Project.id).where(Project.id == project_id).with_for_update())


def _ensure_blob(sha256: str, size: int, content_type: str) -> None:
    """Insert the content's row unless it exists; two uploads of the same bytes at once both succeed."""
    dialect = postgresql if is_postgres() else sqlite
    db.session.execute(
        dialect.insert(Blob)
        .values(sha256=sha256, size=size, content_type=content_type, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )


def withdraw(user: User, attachment_id: int) -> Attachment:
    """Mark a version withdrawn (kept for the record, never removed): the uploader's organisation only,
    and only until the project moves on (a task created or completed after the upload; flush only)."""
    attachment = get_for_download(user, attachment_id)
    _lock_project(attachment.project_id)
    if attachment.org_id != user.org_id:
        raise EvidenceOwnerError("withdraw")
    if attachment.withdrawn_at is not None or owners.on_record(attachment, owners.last_step(attachment.project_id)):
        raise EvidenceOnRecordError(str(attachment.id))
    attachment.withdrawn_at = utcnow()
    attachment.withdrawn_by_id = user.id
    db.session.flush()
    for prefix, after in owners.PREFIX_WITHDRAWN.items():
        if attachment.slot.startswith(prefix):
            after(attachment)
    audit.record(
        "file.withdraw",
        "attachment",
        attachment.id,
        user.id,
        slot=attachment.slot,
        version=attachment.version,
        project=attachment.project_id,
    )
    return attachment


def attachments_of(user: User, project_id: int, slot: str | None = None, withdrawn: bool = False) -> list[Attachment]:
    """A project's attachments (of one slot, or all), by slot and owner, newest version first.

    Withdrawn versions are left out unless asked for (the evidence card shows them, marked).
    """
    project = get_visible_project(user, project_id)
    stmt = (
        select(Attachment)
        .options(joinedload(Attachment.uploaded_by), joinedload(Attachment.org), joinedload(Attachment.owner_org))
        .where(Attachment.project_id == project.id)
        .order_by(
            Attachment.slot,
            Attachment.owner_org_id != project.unit_id,
            Attachment.owner_org_id,
            Attachment.version.desc(),
        )
    )
    if slot is not None:
        stmt = stmt.where(Attachment.slot == slot)
    if not withdrawn:
        stmt = stmt.where(Attachment.withdrawn_at.is_(None))
    return list(db.session.scalars(stmt))


def missing_evidence(user: User, project_id: int, slots: Iterable[Slot]) -> list[Slot]:
    """The required slots without a current version in the user's own line (the unit's, or their department's)."""
    project = get_visible_project(user, project_id)
    present = set(
        tuple(row)
        for row in db.session.execute(
            select(Attachment.slot, Attachment.owner_org_id)
            .where(Attachment.project_id == project.id, Attachment.withdrawn_at.is_(None))
            .distinct()
        ).all()
    )

    def line(slot: Slot) -> int:
        return (
            owners.line_owner(user, project, slot.key) if owners.may_add(user, project, slot.key) else project.unit_id
        )

    return [s for s in slots if s.required and (s.key, line(s)) not in present]


def get_for_download(user: User, attachment_id: int) -> Attachment:
    """Return the attachment when the user may see its project, else raise AttachmentNotFoundError."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise AttachmentNotFoundError(str(attachment_id))
    try:
        get_visible_project(user, attachment.project_id)
    except ProjectNotFoundError:
        raise AttachmentNotFoundError(str(attachment_id)) from None
    return attachment


def open_content(attachment: Attachment) -> BinaryIO:
    """The stored bytes of an attachment, as a binary stream the caller closes."""
    return storage().open(attachment.sha256)
