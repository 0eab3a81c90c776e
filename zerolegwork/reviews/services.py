"""Start the review of a call's applications (确定项目) and find the cases a user may see (flush, never commit).

The call's issuer chooses applications, one or a batch: each gets a review case and an instance of
the `review` process (bpmn/review.bpmn), whose first step 确定项目 the choice itself completes with the
issuer's decision and note. The instance's lanes are the issuer (`call_issuer`), the review centre
(`review_centre`, the issuer itself unless the call names another) and the unit (`project_unit`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from ..audit import services as audit
from ..calls.models import ApplicationState, CallApplication, CallState, ProjectCall
from ..engine import runtime
from ..engine.errors import NotAllowedToActError
from ..engine.models import HumanTask, HumanTaskState
from ..extensions import db
from ..inbox.complete import complete
from ..orgs.models import Organisation, OrgKind, User
from ..projects.models import Project
from .errors import ReviewError, ReviewNotFoundError
from .models import CaseState, ReviewCase

PROCESS = "review"
MAX_BATCH = 200
FIRST_STEP = "choose_projects"


def may_start(user: User, call: ProjectCall) -> bool:
    """The issuing department chooses what is reviewed."""
    return user.org.kind == OrgKind.DEPARTMENT and user.org_id == call.issuer_id


def start_data(call: ProjectCall, application: CallApplication, case: ReviewCase) -> dict[str, Any]:
    """The start data of one review instance (the lanes' organisations and what the forms show)."""
    project = application.project
    return {
        "call_issuer": call.issuer.code,
        "review_centre": case.review_centre.code,
        "project_unit": application.unit.code,
        "project_id": project.id,
        "project_name": project.name,
        "project_code": project.code,
        "call_id": call.id,
        "call_title": call.title,
        "application_id": application.id,
        "review_case_id": case.id,
    }


def start_reviews(
    user: User, call: ProjectCall, application_ids: Iterable[int], decision: str, opinion: str
) -> list[ReviewCase]:
    """确定项目 for a batch: a case and a review instance per application, the first step completed."""
    if not may_start(user, call):
        raise ReviewNotFoundError(call.id)
    if call.state == CallState.DRAFT:
        raise ReviewError(_("A draft call has no applications to review."))
    ids = sorted({int(i) for i in application_ids})
    if not ids:
        raise ReviewError(_("Choose at least one application."))
    if len(ids) > MAX_BATCH:
        raise ReviewError(_("Choose at most %(n)d applications at a time.", n=MAX_BATCH))
    if decision not in ("review", "exclude"):
        raise ReviewError(_("Choose one of the listed options."))
    chosen = list(
        db.session.scalars(
            select(CallApplication)
            .where(CallApplication.id.in_(ids), CallApplication.call_id == call.id)
            .order_by(CallApplication.id)
            .with_for_update()
        )
    )
    if len(chosen) != len(ids):
        raise ReviewError(_("Some of the chosen applications are not applications to this call."))
    withdrawn = [a for a in chosen if a.state == ApplicationState.WITHDRAWN]
    if withdrawn:
        names = "、".join(a.project.name for a in withdrawn[:5])
        raise ReviewError(_("Withdrawn applications cannot be reviewed: %(names)s", names=names))
    taken = set(db.session.scalars(select(ReviewCase.application_id).where(ReviewCase.application_id.in_(ids))))
    if taken:
        names = "、".join(a.project.name for a in chosen if a.id in taken)
        raise ReviewError(_("These applications are already under review: %(names)s", names=names))
    cases = []
    for application in chosen:
        case = ReviewCase(
            call_id=call.id,
            application_id=application.id,
            project_id=application.project_id,
            review_centre_id=call.issuer_id,
            plan={},
            created_by_id=user.id,
        )
        db.session.add(case)
        db.session.flush()
        started = runtime.start_instance(PROCESS, start_data(call, application, case), user.id, application.project_id)
        case.instance_id = started.instance_id
        first = db.session.scalars(
            select(HumanTask.id).where(
                HumanTask.instance_id == started.instance_id,
                HumanTask.bpmn_id == FIRST_STEP,
                HumanTask.state == HumanTaskState.READY,
            )
        ).first()
        if first is None:  # an analyst moved 确定项目: the instance waits in the inbox instead
            continue
        cases.append(case)
        try:
            complete(user, first, {"decision": decision, "opinion": opinion})
        except NotAllowedToActError:  # the department's chain puts 确定项目 at another post: it waits there
            continue
    audit.record("review.start", "project_call", call.id, user.id, applications=ids, decision=decision)
    return cases


def get_case(user: User, case_id: int) -> ReviewCase:
    """A case the user may see: the call's issuer, the review centre, or the applicant unit; else 404."""
    case = db.session.get(ReviewCase, case_id)
    if case is None or not may_see(user, case):
        raise ReviewNotFoundError(case_id)
    return case


def may_see(user: User, case: ReviewCase) -> bool:
    org = user.org_id
    return org in (case.call.issuer_id, case.review_centre_id) or org == case.application.unit_id


def manages(user: User, case: ReviewCase) -> bool:
    """The issuer and the review centre see the whole case (plan, panel, scores)."""
    return user.org.kind == OrgKind.DEPARTMENT and user.org_id in (case.call.issuer_id, case.review_centre_id)


def cases_of_call(call: ProjectCall) -> dict[int, ReviewCase]:
    """Application id -> its review case, for one call."""
    rows = db.session.scalars(select(ReviewCase).where(ReviewCase.call_id == call.id))
    return {c.application_id: c for c in rows}


def open_steps(instance_ids: Iterable[int]) -> dict[int, list[HumanTask]]:
    """Instance id -> its waiting steps (the review's current step), in one statement."""
    ids = list(instance_ids)
    found: dict[int, list[HumanTask]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id.in_(ids), HumanTask.state == HumanTaskState.READY)
        .order_by(HumanTask.id)
    )
    for row in rows:
        found[row.instance_id].append(row)
    return found


def call_rows_query(call: ProjectCall, q: str, state: str) -> Select[Any]:
    """A call's applications (not withdrawn) with their case, project and unit, filtered by text and review state."""
    stmt = (
        select(CallApplication, ReviewCase, Project, Organisation)
        .join(Project, Project.id == CallApplication.project_id)
        .join(Organisation, Organisation.id == CallApplication.unit_id)
        .outerjoin(ReviewCase, ReviewCase.application_id == CallApplication.id)
        .where(CallApplication.call_id == call.id, CallApplication.state != ApplicationState.WITHDRAWN)
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Project.name.like(like), Project.code.like(like)))
    if state == "none":
        stmt = stmt.where(ReviewCase.id.is_(None))
    elif state in set(CaseState):
        stmt = stmt.where(ReviewCase.state == state)
    return stmt


def count_call_rows(call: ProjectCall, q: str, state: str) -> int:
    return db.session.scalar(select(func.count()).select_from(call_rows_query(call, q, state).subquery())) or 0


def call_rows(call: ProjectCall, q: str, state: str, page: int, per_page: int) -> list[Any]:
    """One page of (application, case or None, project, unit) rows, in one statement."""
    stmt = call_rows_query(call, q, state).order_by(CallApplication.id).limit(per_page).offset((page - 1) * per_page)
    return list(db.session.execute(stmt).all())


def counts_by_state(call: ProjectCall) -> dict[str, int]:
    """How many of a call's cases are in each state."""
    rows = db.session.execute(
        select(ReviewCase.state, func.count()).where(ReviewCase.call_id == call.id).group_by(ReviewCase.state)
    )
    return {state: n for state, n in rows}


__all__ = ["CaseState", "may_start", "start_reviews"]
