"""A project's whole life: start the lifecycle process, keep its chosen functions current, show where it stands."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..audit import services as audit
from ..audit.models import AuditEvent
from ..engine import runtime, view
from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from ..orgs.models import Organisation, Post, User
from . import functions as catalog
from .errors import ProjectNotFoundError, ProjectStateError
from .library import chosen_functions
from .models import Project, ProjectState

LIFECYCLE_PROCESS = "lifecycle"


def lifecycle_data(project: Project) -> dict[str, Any]:
    """The start data of the lifecycle diagram (docs/bpmn-conventions.md, "The lifecycle")."""
    return {
        "project_unit": project.unit.code,
        "competent_department": project.competent_department.code if project.competent_department else "",
        "project_id": project.id,
        "project_name": project.name,
        "project_code": project.code,
        "category": project.category,
        "planned_investment": str(project.planned_investment),
        "level": project.level,
        "region": project.region.name,
        "functions": chosen_functions(project.id),
        "round_no": 0,
        "opinions": [],
        "revise_limit": "P30D",
    }


def start_lifecycle(user: User, project_id: int) -> Project:
    """The unit starts its project's whole life: the information process asks first (flush only)."""
    from .services import get_visible_project

    project = get_visible_project(user, project_id)
    if user.org_id != project.unit_id:
        raise ProjectNotFoundError(str(project_id))
    if project.state != ProjectState.DRAFT or project.lifecycle_id is not None:
        raise ProjectStateError(project.state)
    if project.competent_department_id is None:
        raise ProjectStateError("no_competent_department")
    result = runtime.start_instance(LIFECYCLE_PROCESS, lifecycle_data(project), actor_id=user.id, project_id=project.id)
    project.lifecycle_id = result.instance_id
    project.instance_id = result.instance_id
    project.state = ProjectState.IN_APPROVAL
    project.stage = str(result.data.get("lifecycle_stage") or "information")
    audit.record("project.start", "project", project.id, user.id, instance=result.instance_id)
    db.session.flush()
    return project


def functions_changed(project: Project) -> None:
    """Give a running lifecycle the project's current choice, so processes not yet begun ask for it (flush only)."""
    if project.lifecycle_id is None:
        return
    from ..engine.models import InstanceState, ProcessInstance

    instance = db.session.get(ProcessInstance, project.lifecycle_id)
    if instance is not None and instance.status == InstanceState.RUNNING:
        view.update_data(instance.id, {"functions": chosen_functions(project.id)}, None)


def process_states(project: Project) -> list[dict[str, Any]]:
    """The eight processes with their state on the project's lifecycle: done, active, pending or skipped."""
    positions = view.positions(project.lifecycle_id) if project.lifecycle_id else {}
    chosen = chosen_functions(project.id)
    out = []
    for process in catalog.PROCESSES:
        state = positions.get(f"call_{process.key}", "not_started" if not positions else view.PENDING)
        skipped = bool(process.functions) and not chosen.get(process.key)
        out.append({"process": process, "state": state, "skipped": skipped, "chosen": chosen.get(process.key, [])})
    return out


def open_tasks(project_id: int) -> list[dict[str, Any]]:
    """Who holds the project's waiting tasks: the task, the organisation, the post, the claimant, the due date."""
    holder = aliased(User)
    rows = db.session.execute(
        select(HumanTask, Organisation.name, Post.name, holder.display_name)
        .join(Organisation, Organisation.code == HumanTask.org_code)
        .outerjoin(Post, Post.id == HumanTask.post_id)
        .outerjoin(holder, holder.id == HumanTask.claimed_by_id)
        .where(HumanTask.project_id == project_id, HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
    ).all()
    return [{"task": t, "org": org, "post": post, "holder": who} for t, org, post, who in rows]


def history(project_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """What happened to the project, newest first: its audit events (detail as labelled values) and its tasks done."""
    from ..audit.describe import detail_lines

    who = aliased(User)
    events = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.detail, who.display_name)
        .outerjoin(who, who.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "project", AuditEvent.object_id == str(project_id))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
    done = db.session.execute(
        select(HumanTask.completed_at, HumanTask.title, who.display_name, Organisation.name, HumanTask.id, who.id)
        .join(who, who.id == HumanTask.completed_by_id)
        .join(Organisation, Organisation.code == HumanTask.org_code)
        .where(HumanTask.project_id == project_id, HumanTask.state == HumanTaskState.COMPLETED)
        .order_by(HumanTask.completed_at.desc())
        .limit(limit)
    ).all()
    out = [
        {"at": at, "what": action, "detail": detail, "who": name, "kind": "event", "lines": detail_lines(detail or {})}
        for at, action, detail, name in events
    ]
    out += [
        {
            "at": at,
            "what": title,
            "detail": {"org": org},
            "who": name,
            "kind": "task",
            "task_id": task_id,
            "who_id": who_id,
            "lines": [],
        }
        for at, title, name, org, task_id, who_id in done
    ]
    out.sort(key=lambda r: r["at"], reverse=True)
    return out[:limit]


def action_labels() -> dict[str, str]:
    """What the history calls each audited action."""
    return {
        "project.register": _("registered the project"),
        "project.functions": _("changed the chosen functions"),
        "project.start": _("started the project's processes"),
        "project.submit": _("submitted for joint sign-off"),
        "project.withdraw": _("withdrew the submission"),
        "project.state": _("the project's state changed"),
        "project.share": _("shared the project with a district"),
        "project.import": _("imported the project"),
        "project.engage": _("engaged an agency"),
        "project.engagement_end": _("ended an agency's engagement"),
        "budget.arrange": _("budget arranged by the finance system"),
        "project.export": _("exported the project list"),
    }


def evidence(user: User, project: Project) -> tuple[list[Any], list[Any]]:
    """The project's evidence slots (those its process forms name, site photos first) and its attachments."""
    from ..engine.errors import ProcessNotDeployedError
    from ..files import services as files
    from ..files.slots import SITE_PHOTO, Slot, slots_of

    slots: dict[str, Slot] = {SITE_PHOTO.key: SITE_PHOTO}
    try:
        forms = runtime.latest_definition(LIFECYCLE_PROCESS).bundle.get("forms", {})
    except ProcessNotDeployedError:
        forms = {}
    for form in forms.values():
        for slot in slots_of(form):
            slots.setdefault(slot.key, Slot(slot.key, slot.label, slot.extensions))
    # construction-log photos are shown with their entries, not here
    attachments = [a for a in files.attachments_of(user, project.id, withdrawn=True) if not a.slot.startswith("log_")]
    labels = slot_names({a.slot for a in attachments if a.slot not in slots})
    for a in attachments:
        slots.setdefault(a.slot, Slot(a.slot, labels.get(a.slot) or {"zh_CN": a.slot, "en": a.slot}))
    present = {a.slot for a in attachments}
    ordered = [s for s in slots.values() if s.key in present or s.key == "site_photo"]
    return ordered, attachments


def slot_names(slots: set[str]) -> dict[str, dict[str, str]]:
    """Labels ({locale: text}) of slots no form declares: a call's attachments, vouchers, order reports."""
    from ..calls.applications import slot_labels  # a call's required attachments: named by the call
    from ..funds.vouchers import slot_labels as voucher_labels  # payments' vouchers: named by their payment
    from ..orders.reports import slot_labels as order_labels  # service orders' reports: named by kind and agency

    if not slots:
        return {}
    return slot_labels(slots) | voucher_labels(slots) | order_labels(slots)


def overview(project: Project, user: User) -> dict[str, Any]:
    """Everything the project page shows besides the project row itself."""
    from ..files.owners import rights_of

    slots, attachments = evidence(user, project)
    return {
        "processes": process_states(project),
        "open_tasks": open_tasks(project.id),
        "history": history(project.id),
        "slots": slots,
        "attachments": attachments,
        "evidence_rights": rights_of(user, project, slots, attachments),
    }


def project_page(user: User, project_id: int) -> dict[str, Any]:
    """Everything the project page shows, for a user who may see the project (ProjectNotFoundError otherwise)."""
    from ..engine.repair_actions import termination
    from ..orders.services import project_panel
    from ..registration.services import regions
    from . import engagements, log
    from .library import may_choose_functions
    from .services import get_visible_project, may_share, shares_of

    project = get_visible_project(user, project_id)
    share = may_share(user)
    entries = log.entries(project.id)
    return {
        "project": project,
        "data": runtime.instance_data(project.instance_id) if project.instance_id else {},
        "may_share": share,
        "shares": shares_of(project.id) if share else [],
        "districts": [r for r in regions() if r.level == "district"] if share else [],
        "may_choose": may_choose_functions(user, project),
        "log_entries": entries,
        "log_photos": log.photos_of(user, project.id, [e.id for e in entries]),
        "engagements": engagements.engagements_of(project.id),
        "agencies": engagements.agencies() if user.org_id == project.unit_id else [],
        "overview": overview(project, user),
        "action_labels": action_labels(),
        "terminated": termination(project.instance_id) or termination(project.lifecycle_id),
        "service_orders": project_panel(user, project),
    }
