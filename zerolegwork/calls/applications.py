"""Units apply to a call and withdraw; the issuer lists, filters and exports the applications (flush only).

An application names a project of the unit's own library, or registers a new one through the project
registration (projects/registry.py); its required attachments are stored by the platform's file storage
(files/services.upload: content by sha256, size and type checked) under the project, one slot per
call slot. One application per project and call: the project's row is locked first, and a unique
constraint refuses the second of two requests at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..audit import services as audit
from ..db import utcnow
from ..dictionaries import services as dictionaries
from ..extensions import db
from ..files import services as files
from ..orgs.models import Organisation, OrgKind, User
from ..projects import registry
from ..projects.errors import ProjectNotFoundError
from ..projects.levels import region_map
from ..projects.models import Project
from ..projects.services import get_visible_project
from . import services as calls
from .errors import CallError, CallNotFoundError
from .models import ApplicationState, CallApplication, ProjectCall

SLOT_PREFIX = "call"  # attachment slot of a call's slot on the project: call<call id>_<slot key>
SLOT_RE = re.compile(SLOT_PREFIX + r"(\d+)_(s\d+)")


def slot_name(call: ProjectCall, key: str) -> str:
    """The project's attachment slot that holds a call slot's file."""
    return f"{SLOT_PREFIX}{call.id}_{key}"


def slot_labels(slots: Iterable[str]) -> dict[str, dict[str, str]]:
    """Labels of the call slots among a project's attachment slots ("<call title> · <attachment>"), one query."""
    wanted: dict[str, tuple[int, str]] = {}
    for slot in slots:
        match = SLOT_RE.fullmatch(slot)
        if match and len(match.group(1)) < 10:
            wanted[slot] = (int(match.group(1)), match.group(2))
    if not wanted:
        return {}
    found = {
        c.id: c
        for c in db.session.scalars(select(ProjectCall).where(ProjectCall.id.in_({i for i, _k in wanted.values()})))
    }
    out = {}
    for slot, (call_id, key) in wanted.items():
        call = found.get(call_id)
        label = next((s["label"] for s in call.slots if s["key"] == key), None) if call else None
        if call is not None and label:
            text = f"{call.title} · {label}"
            out[slot] = {"zh_CN": text, "en": text}
    return out


def _lock_project(project_id: int) -> None:
    """Two applications of one project at once wait for each other (a PostgreSQL row lock; SQLite serializes)."""
    db.session.execute(select(Project.id).where(Project.id == project_id).with_for_update())


def _existing(call_id: int, project_id: int) -> CallApplication | None:
    return db.session.scalar(
        select(CallApplication).where(CallApplication.call_id == call_id, CallApplication.project_id == project_id)
    )


def apply(
    user: User,
    call_id: int,
    project_id: int | None,
    uploads: Mapping[str, tuple[str, IO[bytes]]],
    new_project: Mapping[str, Any] | None = None,
) -> CallApplication:
    """Apply to a call with one of the unit's projects, or a new one registered from `new_project`.

    Refused (CallError, nothing kept) before the window opens, after it closes, for a project outside
    the call's regions or categories, a project already applied, or a required attachment missing.
    """
    if user.org.kind != OrgKind.UNIT:
        raise CallNotFoundError(call_id)
    call = calls.get_call(user, call_id)
    reason = calls.accepts_today(call)
    if reason:
        raise CallError(reason)
    missing = [s["label"] for s in call.slots if not (uploads.get(s["key"]) or ("", None))[0]]
    if missing:
        raise CallError(_("Required attachments are missing: %(names)s.", names="、".join(missing)))
    if project_id is not None:
        try:
            project = get_visible_project(user, project_id)
        except ProjectNotFoundError:
            raise CallError(_("Choose one of your own projects.")) from None
        if project.unit_id != user.org_id:
            raise CallError(_("Choose one of your own projects."))
    elif new_project is not None:
        project = registry.register_project(user, new_project)  # ProjectFormError names the bad fields
    else:
        raise CallError(_("Choose one of your own projects, or register a new one."))
    reason = calls.in_scope(call, project, region_map())
    if reason:
        raise CallError(reason)
    _lock_project(project.id)
    application = _existing(call.id, project.id)
    if application is not None and application.state != ApplicationState.WITHDRAWN:
        raise CallError(_("This project has already been applied to this call."))
    stored = {}
    for slot in call.slots:
        filename, stream = uploads[slot["key"]]
        stored[slot["key"]] = files.upload(user, project.id, slot_name(call, slot["key"]), filename, stream).id
    if application is None:
        application = CallApplication(call_id=call.id, project_id=project.id, unit_id=user.org_id)
        try:
            with db.session.begin_nested():
                _fill(application, user, stored)
                db.session.add(application)
        except IntegrityError:
            raise CallError(_("This project has already been applied to this call.")) from None
    else:
        _fill(application, user, stored)
    db.session.flush()
    audit.record(
        "call.apply",
        "call_application",
        application.id,
        user.id,
        call=call.id,
        project=project.id,
        code=project.code,
        attachments=stored,
    )
    return application


def _fill(application: CallApplication, user: User, stored: dict[str, int]) -> None:
    application.state = ApplicationState.SUBMITTED
    application.attachments = stored
    application.submitted_by_id = user.id
    application.submitted_at = utcnow()
    application.withdrawn_at = None


def get_application(user: User, application_id: int) -> CallApplication:
    """The application when it is the user's unit's, or its call is the user's department's; else CallNotFoundError."""
    application = db.session.get(CallApplication, application_id)
    if application is None:
        raise CallNotFoundError(application_id)
    if application.unit_id == user.org_id or calls.may_manage(user, application.call):
        return application
    raise CallNotFoundError(application_id)


def withdraw(user: User, application_id: int) -> CallApplication:
    """The applying unit withdraws its application while the call is open (until its closing day, Asia/Shanghai)."""
    application = get_application(user, application_id)
    if application.unit_id != user.org_id:
        raise CallNotFoundError(application_id)
    _lock_project(application.project_id)
    db.session.refresh(application)
    if application.state != ApplicationState.SUBMITTED:
        raise CallError(_("Only a submitted application can be withdrawn."))
    reason = calls.accepts_today(application.call)
    if reason:
        raise CallError(_("The call no longer takes changes: %(reason)s", reason=reason))
    application.state, application.withdrawn_at = ApplicationState.WITHDRAWN, utcnow()
    db.session.flush()
    audit.record(
        "call.withdraw",
        "call_application",
        application.id,
        user.id,
        call=application.call_id,
        project=application.project_id,
    )
    return application


@dataclass
class ApplicationQuery:
    """The applications list's filters: state, region, category, text on project name/code/unit."""

    state: str = ""
    region_id: int | None = None
    category: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ApplicationQuery:
        state = args.get("state", "")
        region = str(args.get("region_id", ""))
        category = args.get("category", "")
        return cls(
            state if state in tuple(ApplicationState) else "",
            int(region) if region.isdigit() and len(region) < 10 else None,
            category if category in dictionaries.names("category", active_only=False) else "",
            calls.clean_text(args.get("q", ""))[:100],
        )

    def args(self) -> dict[str, str]:
        values = {"state": self.state, "region_id": str(self.region_id or ""), "category": self.category, "q": self.q}
        return {k: v for k, v in values.items() if v}


def filtered(user: User, call: ProjectCall, query: ApplicationQuery) -> Select[tuple[CallApplication]]:
    """The call's applications the user sees (the issuer: all; a unit: its own), filtered; project and unit joined."""
    stmt = (
        select(CallApplication)
        .join(CallApplication.project)
        .join(CallApplication.unit)
        .options(contains_eager(CallApplication.project), contains_eager(CallApplication.unit))
        .where(CallApplication.call_id == call.id)
    )
    if not calls.may_manage(user, call):
        stmt = stmt.where(CallApplication.unit_id == user.org_id)
    if query.state:
        stmt = stmt.where(CallApplication.state == query.state)
    if query.region_id is not None:
        stmt = stmt.where(Project.region_id == query.region_id)
    if query.category:
        stmt = stmt.where(Project.category == query.category)
    if query.q:
        stmt = stmt.where(
            or_(
                Project.name.contains(query.q, autoescape=True),
                Project.code.contains(query.q, autoescape=True),
                Organisation.name.contains(query.q, autoescape=True),
            )
        )
    return stmt


def list_applications(
    user: User, call: ProjectCall, query: ApplicationQuery, page: int = 1, per_page: int = 20
) -> tuple[list[CallApplication], int]:
    """One page of the call's applications, oldest first, and how many match: two statements, whatever the count."""
    stmt = filtered(user, call, query)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(CallApplication.submitted_at, CallApplication.id).limit(per_page).offset((page - 1) * per_page)
    ).unique()
    return list(rows), int(total)


def own_applications(user: User, call: ProjectCall) -> dict[int, CallApplication]:
    """project id -> the unit's application to the call (for the apply form: which projects already applied)."""
    rows = db.session.scalars(
        select(CallApplication).where(CallApplication.call_id == call.id, CallApplication.unit_id == user.org_id)
    )
    return {a.project_id: a for a in rows}


def applicable_projects(user: User, call: ProjectCall) -> list[Project]:
    """The unit's own projects inside the call's scope, for the apply form."""
    if user.org.kind != OrgKind.UNIT:
        return []
    rows = db.session.scalars(select(Project).where(Project.unit_id == user.org_id).order_by(Project.id.desc()))
    regions = region_map()
    return [p for p in rows if calls.in_scope(call, p, regions) is None]


def state_label(state: str) -> str:
    """An application state in the user's language."""
    return {
        ApplicationState.SUBMITTED: _("Submitted"),
        ApplicationState.WITHDRAWN: _("Withdrawn"),
        ApplicationState.ACCEPTED: _("Accepted for review"),
        ApplicationState.RETURNED: _("Returned"),
    }.get(state, state)
