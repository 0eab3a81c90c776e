"""Saved definitions: a user's own and those shared in the organisation; saving, replacing, deleting, audited."""

from __future__ import annotations

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
)

from ...audit import services as audit
from ...extensions import db
from ...orgs.models import User
from .definitions import Definition
from .errors import DefinitionNameError, ReportDefinitionNotFoundError
from .models import ReportDefinition

MAX_DEFINITIONS = 100
NAME_LENGTH = 60


def definitions_of(user: User) -> list[ReportDefinition]:
    """The user's own definitions and those colleagues of the same organisation shared, by name."""
    stmt = (
        select(ReportDefinition)
        .where(
            or_(
                ReportDefinition.owner_id == user.id,
                and_(ReportDefinition.org_id == user.org_id, ReportDefinition.shared.is_(True)),
            )
        )
        .order_by(ReportDefinition.name, ReportDefinition.id)
    )
    return list(db.session.scalars(stmt))


def get_definition(user: User, definition_id: int) -> ReportDefinition:
    """A definition the user may run: their own, or a shared one of their organisation."""
    found = db.session.get(ReportDefinition, definition_id)
    if found is None or not (found.owner_id == user.id or (found.shared and found.org_id == user.org_id)):
        raise ReportDefinitionNotFoundError(definition_id)
    return found


def save_definition(
    user: User, name: str, definition: Definition, shared: bool = False, definition_id: int | None = None
) -> ReportDefinition:
    """Keep a definition under a name (flush only); the owner's same name or given id is replaced, audited."""
    name = " ".join(str(name).split())[:NAME_LENGTH]
    if not name:
        raise DefinitionNameError("name")
    existing = None
    if definition_id is not None:
        existing = db.session.get(ReportDefinition, definition_id)
        if existing is None or existing.owner_id != user.id:
            raise ReportDefinitionNotFoundError(definition_id)
    clash = db.session.scalar(
        select(ReportDefinition).where(ReportDefinition.owner_id == user.id, ReportDefinition.name == name)
    )
    if existing is None:
        existing = clash
    elif clash is not None and clash.id != existing.id:
        db.session.delete(clash)  # renamed onto another of the owner's names: that one is replaced
        db.session.flush()
    created = existing is None
    if created:
        count = db.session.scalar(select(func.count()).where(ReportDefinition.owner_id == user.id)) or 0
        if count >= MAX_DEFINITIONS:
            raise DefinitionNameError("too_many")
        existing = ReportDefinition(owner_id=user.id, org_id=user.org_id)
        db.session.add(existing)
    assert existing is not None
    existing.name = name
    existing.definition = definition.to_json()
    existing.shared = bool(shared)
    db.session.flush()
    audit.record(
        "report_definition.create" if created else "report_definition.update",
        "report_definition",
        existing.id,
        user.id,
        after={"name": name, "shared": bool(shared), **definition.to_json()},
    )
    return existing


def delete_definition(user: User, definition_id: int) -> None:
    """Remove one of the user's own definitions (flush only), audited; others' are not found."""
    found = db.session.get(ReportDefinition, definition_id)
    if found is None or found.owner_id != user.id:
        raise ReportDefinitionNotFoundError(definition_id)
    before = {"name": found.name, "shared": found.shared, **found.definition}
    db.session.delete(found)
    db.session.flush()
    audit.record("report_definition.delete", "report_definition", definition_id, user.id, before=before)


def stored_definition(saved: ReportDefinition) -> Definition:
    """The saved JSON checked again (the catalog may have changed since it was saved)."""
    return Definition.parse(saved.definition)
