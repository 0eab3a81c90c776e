"""Stored contents (one Blob per sha256) and the attachments that point at them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Organisation, User


class Blob(db.Model):
    """One stored content, named by its sha256: the same bytes uploaded twice are stored once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(db.Model):
    """A file attached to a project as evidence for one slot of a form; each new upload is a new version.

    Versions are numbered per owner (`owner_org_id`): the project unit's material (to which its engaged
    agencies add too) is one line, each department's own review material another, so nobody's upload
    ever becomes the newest version of someone else's material. A withdrawn version stays, marked.
    """

    # also the index of "this project's attachments of this slot, newest first"
    __table_args__ = (UniqueConstraint("project_id", "slot", "owner_org_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    slot: Mapped[str] = mapped_column(String(60))
    # the human_task it was attached on, when any (a plain number: tasks are the engine's rows)
    task_id: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # the uploader's organisation
    # whose material this version belongs to: the project's unit, a department, a log entry's author
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])
    owner_org: Mapped[Organisation] = relationship(foreign_keys=[owner_org_id])
