"""Whose material a slot holds, who may add a version to it, and who may withdraw one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select

from ..engine.models import HumanTask, HumanTaskState, ProcessDefinition
from ..extensions import db
from ..orgs.models import OrgKind, User
from ..projects.models import Engagement, LogEntry, Project
from .errors import EvidenceOwnerError
from .models import Attachment
from .slots import SITE_PHOTO, Slot, slots_of

LOG_PREFIX = "log_"  # construction-log photos: one slot per entry (projects/log.py photo_slot)
# slots whose line a domain decides: prefix -> function(user, project, slot) giving the line's organisation
# id, or None when the user may not add to it (e.g. funds/vouchers.py: a payment's voucher, "pay<id>_voucher")
PREFIX_OWNERS: dict[str, Callable[[User, Project, str], int | None]] = {}
# and what that domain does when a version of such a slot is withdrawn (files.services.withdraw calls it)
PREFIX_WITHDRAWN: dict[str, Callable[[Attachment], None]] = {}

# the slots of the newest deployment, keyed by (database, newest definition id and hash); droppable
_declared: dict[tuple[str, int | None, str | None], dict[str, Slot]] = {}


def declared_slots() -> dict[str, Slot]:
    """Slot key -> the slot (its files and owner) as the forms of the newest deployed processes declare it."""
    newest = db.session.execute(
        select(ProcessDefinition.id, ProcessDefinition.sha256).order_by(ProcessDefinition.id.desc()).limit(1)
    ).first()
    key = (str(db.engine.url), newest[0] if newest else None, newest[1] if newest else None)
    cached = _declared.get(key)
    if cached is not None:
        return cached
    latest = (
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.process_id)
        .subquery()
    )
    bundles = db.session.scalars(
        select(ProcessDefinition.bundle)
        .join(
            latest,
            (ProcessDefinition.process_id == latest.c.process_id) & (ProcessDefinition.version == latest.c.version),
        )
        .order_by(ProcessDefinition.id.desc())  # where two deployments disagree, the newest one's word counts
    )
    slots: dict[str, Slot] = {SITE_PHOTO.key: SITE_PHOTO}
    for bundle in bundles:
        for form in (bundle.get("forms") or {}).values():
            for slot in slots_of(form):
                slots.setdefault(slot.key, slot)
    _declared.clear()
    _declared[key] = slots
    return slots


def owner_of_slot(slot: str) -> str:
    """The owner a slot's forms declare; a slot no form names (a site photo from the project page) is the unit's."""
    declared = declared_slots().get(slot)
    return declared.owner if declared else "unit"


def extensions_of_slot(slot: str) -> tuple[str, ...] | None:
    """The files a declared slot takes (a photo slot only pictures); None for a slot no form names."""
    declared = declared_slots().get(slot)
    return declared.extensions if declared else None


def _is_unit_side(user: User, project: Project) -> bool:
    """The project's own unit, or an agency it engaged on the project while the engagement lasts."""
    if user.org_id == project.unit_id:
        return True
    if user.org.kind != OrgKind.AGENCY:
        return False
    engaged = exists().where(
        Engagement.project_id == project.id, Engagement.agency_id == user.org_id, Engagement.ended_on.is_(None)
    )
    return bool(db.session.scalar(select(engaged)))


def line_owner(user: User, project: Project, slot: str) -> int:
    """The organisation whose line of versions the user's upload to this slot joins; EvidenceOwnerError if none.

    The owner comes from the deployed forms, never from the request, so a hand-made upload obeys it too.
    """
    if slot.startswith(LOG_PREFIX):
        entry_org = db.session.scalar(
            select(LogEntry.org_id).where(
                LogEntry.project_id == project.id, LogEntry.id == _entry_id(slot), LogEntry.org_id == user.org_id
            )
        )
        if entry_org is None:
            raise EvidenceOwnerError("log")
        return entry_org
    for prefix, decide in PREFIX_OWNERS.items():
        if slot.startswith(prefix):
            line = decide(user, project, slot)
            if line is None:
                raise EvidenceOwnerError("unit")
            return line
    owner = owner_of_slot(slot)
    department = user.org.kind == OrgKind.DEPARTMENT
    if owner in ("reviewer", "each") and department:
        return user.org_id
    if owner in ("unit", "each") and _is_unit_side(user, project):
        return project.unit_id
    raise EvidenceOwnerError("reviewer" if owner == "reviewer" else "unit")


def _entry_id(slot: str) -> int:
    tail = slot[len(LOG_PREFIX) :]
    return int(tail) if tail.isdigit() else 0


def may_add(user: User, project: Project, slot: str) -> bool:
    """Whether the user may add a version to the slot (the page offers an upload form only then)."""
    try:
        line_owner(user, project, slot)
    except EvidenceOwnerError:
        return False
    return True


def last_step(project_id: int) -> datetime | None:
    """When the project last moved on: a task of it was created (the material reached someone) or completed."""
    created, completed = db.session.execute(
        select(
            func.max(HumanTask.created_at),
            func.max(HumanTask.completed_at).filter(HumanTask.state == HumanTaskState.COMPLETED),
        ).where(HumanTask.project_id == project_id)
    ).one()
    return max((t for t in (created, completed) if t is not None), default=None)


def on_record(attachment: Attachment, last: datetime | None) -> bool:
    """A version is on record once its project moved on (a task created or completed) after it was uploaded."""
    return last is not None and last >= attachment.created_at


def may_withdraw(user: User, attachment: Attachment, last: datetime | None) -> bool:
    """The uploader's organisation, while the version is neither withdrawn nor on record."""
    return attachment.org_id == user.org_id and attachment.withdrawn_at is None and not on_record(attachment, last)


@dataclass
class EvidenceRights:
    """What an evidence card offers the user: slots to add to, versions to withdraw; and each line's current one."""

    addable: set[str] = field(default_factory=set)
    withdrawable: set[int] = field(default_factory=set)
    current: set[int] = field(default_factory=set)  # the newest version not withdrawn of each slot and owner


def rights_of(user: User, project: Project, slots: Iterable[Slot], attachments: Iterable[Attachment]) -> EvidenceRights:
    """The evidence rights of a user on a page showing these slots and attachments."""
    last = last_step(project.id)
    attachments = list(attachments)
    newest: dict[tuple[str, int], Attachment] = {}
    for a in attachments:
        if a.withdrawn_at is None and (a.slot, a.owner_org_id) not in newest:
            newest[(a.slot, a.owner_org_id)] = a
    return EvidenceRights(
        {s.key for s in slots if may_add(user, project, s.key)},
        {a.id for a in attachments if may_withdraw(user, a, last)},
        {a.id for a in newest.values()},
    )
