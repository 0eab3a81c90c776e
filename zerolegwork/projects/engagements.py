"""The unit engages intermediary agencies on its project (中介机构服务), and ends the engagement."""

from __future__ import annotations

from sqlalchemy import select

from ..audit import services as audit
from ..engine.routing import today_local
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, OrgState, ServiceType, User
from .errors import ProjectFormError, ProjectNotFoundError
from .models import Engagement
from .services import get_visible_project


def agencies(service_type: str | None = None) -> list[Organisation]:
    """Active agencies, optionally only those offering a service."""
    rows = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.AGENCY, Organisation.state == OrgState.ACTIVE)
        .order_by(Organisation.name)
    ).all()
    return [a for a in rows if service_type is None or service_type in (a.service_types or [])]


def engagements_of(project_id: int) -> list[Engagement]:
    """A project's engagements, current ones first."""
    return list(
        db.session.scalars(
            select(Engagement)
            .where(Engagement.project_id == project_id)
            .order_by(Engagement.ended_on.is_not(None), Engagement.started_on.desc(), Engagement.id.desc())
        )
    )


def engage(user: User, project_id: int, agency_id: int, service_type: str) -> Engagement:
    """The project's own unit engages an agency for a service it offers (flush only); again while current: refused."""
    from flask_babel import gettext as _

    project = get_visible_project(user, project_id)
    if user.org_id != project.unit_id:
        raise ProjectNotFoundError(str(project_id))
    if service_type not in set(ServiceType):
        raise ProjectFormError({"service_type": _("Choose one of the listed values.")})
    agency = db.session.get(Organisation, agency_id)
    if agency is None or agency not in agencies(service_type):
        raise ProjectFormError({"agency_id": _("Choose an active agency that offers this service.")})
    existing = db.session.scalar(
        select(Engagement).where(
            Engagement.project_id == project.id,
            Engagement.agency_id == agency.id,
            Engagement.service_type == service_type,
        )
    )
    if existing is not None and existing.ended_on is None:
        raise ProjectFormError({"agency_id": _("This agency is already engaged for this service.")})
    if existing is None:
        existing = Engagement(project_id=project.id, agency_id=agency.id, service_type=service_type)
        db.session.add(existing)
    existing.started_on, existing.ended_on, existing.created_by_id = today_local(), None, user.id
    db.session.flush()
    audit.record("project.engage", "project", project.id, user.id, agency=agency.name, service=service_type)
    return existing


def end(user: User, engagement_id: int) -> Engagement:
    """The unit ends an engagement (flush only); the agency no longer sees the project."""
    row = db.session.get(Engagement, engagement_id)
    if row is None:
        raise ProjectNotFoundError(str(engagement_id))
    project = get_visible_project(user, row.project_id)
    if user.org_id != project.unit_id or row.ended_on is not None:
        raise ProjectNotFoundError(str(engagement_id))
    row.ended_on = today_local()
    db.session.flush()
    audit.record("project.engagement_end", "project", project.id, user.id, agency=row.agency.name)
    return row
