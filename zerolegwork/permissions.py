"""The one enforcement point of the access policy (docs/permissions.md).

Every endpoint has an entry in POLICY; a request to an endpoint without one is refused (and the
authorization test fails), so a new route cannot go live unguarded. Role rules are checked here
before the view runs; object rules (which project, which task) are the query scopes below, which
the services use for every read. What a user may not see answers 404, never 403, so that the
existence of another unit's object does not leak.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from .engine.models import HumanTask
from .orgs.models import OrgKind, OrgLevel, Region, User
from .orgs.reference import LEVELS as REGION_LEVELS
from .projects.models import Engagement, Project, ProjectShare

log = logging.getLogger(__name__)


class Rule(StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # any active signed-in user; objects are scoped by the services
    DEPT_ADMIN = "dept_admin"  # administrator of a management department (its own structure only)
    REGION_ADMIN = "region_admin"  # reviews registrations of its own region
    AUDITOR = "auditor"  # reads the audit log
    ANALYST = "analyst"  # keeps the approval paths (流程管理): analysts and platform administrators


POLICY: dict[str, Rule] = {
    "static": Rule.PUBLIC,
    "vendor": Rule.PUBLIC,
    "vendor_font": Rule.PUBLIC,
    "healthz": Rule.PUBLIC,
    "set_language": Rule.PUBLIC,
    "orgs.login": Rule.PUBLIC,
    "orgs.login_totp": Rule.PUBLIC,
    "orgs.login_totp_setup": Rule.PUBLIC,
    "registration.choose": Rule.PUBLIC,
    "registration.register": Rule.PUBLIC,
    "orgs.logout": Rule.SIGNED_IN,
    "orgs.account": Rule.SIGNED_IN,
    "orgs.change_password": Rule.SIGNED_IN,
    "orgs.totp_setup": Rule.SIGNED_IN,
    "orgs.require_totp": Rule.DEPT_ADMIN,
    "inbox.index": Rule.SIGNED_IN,
    "inbox.task": Rule.SIGNED_IN,
    "inbox.save_draft": Rule.SIGNED_IN,  # only whoever may act on the task now (inbox/drafts.py)
    "inbox.discard_draft": Rule.SIGNED_IN,  # one's own draft only
    "inbox.claim": Rule.SIGNED_IN,  # only a task at one of the user's posts, checked in inbox/services.py
    "inbox.release": Rule.SIGNED_IN,  # only by the holder
    "inbox.return_level": Rule.SIGNED_IN,  # whoever may act on the task, checked under its lock (runtime.lock_for)
    "inbox.countersign_request": Rule.SIGNED_IN,  # who may act on the task's step; posts of the same department
    "inbox.countersign_sign": Rule.SIGNED_IN,  # members (or substitutes) of the invited post only
    "inbox.diagram": Rule.SIGNED_IN,  # as inbox.task: who may act on the task or took part in it
    "inbox.add_signer": Rule.SIGNED_IN,  # as inbox.return_level; the post must be of the same department
    "notify.index": Rule.SIGNED_IN,  # the user's own organisation's notifications only
    "notify.read_all": Rule.SIGNED_IN,  # as notify.index
    "notify.preferences": Rule.SIGNED_IN,  # the user's own settings
    "inbox.bulk_acknowledge": Rule.SIGNED_IN,  # each item checked as a completion (inbox/actions.py)
    "projects.index": Rule.SIGNED_IN,
    "projects.detail": Rule.SIGNED_IN,
    "projects.submit": Rule.SIGNED_IN,
    "projects.withdraw": Rule.SIGNED_IN,  # the project's own unit only, checked in projects/services.py
    "projects.share": Rule.SIGNED_IN,  # city-level departments only, checked in projects/services.py
    "depts.index": Rule.DEPT_ADMIN,
    "depts.change": Rule.DEPT_ADMIN,
    "depts.substitutes": Rule.SIGNED_IN,
    "registration.index": Rule.REGION_ADMIN,
    "registration.review": Rule.REGION_ADMIN,
    "experts.index": Rule.SIGNED_IN,  # departments see the pool, region administrators keep it (experts/services.py)
    "experts.account": Rule.REGION_ADMIN,  # a pool expert of the own region or below (experts/accounts.py)
    # expert panels (组建专家, 资料评审, 综合评定): the drawing department's people, and experts on the panel only
    "panels.index": Rule.SIGNED_IN,  # departments: their own panels (experts/access.py); experts go to panels.mine
    "panels.new": Rule.SIGNED_IN,  # departments only, projects they see (experts/panels.py)
    "panels.detail": Rule.SIGNED_IN,  # the drawing department, or an expert drawn onto the panel (experts/access.py)
    "panels.decline": Rule.SIGNED_IN,  # the drawing department only
    "panels.conclude": Rule.SIGNED_IN,  # the drawing department only
    "panels.mine": Rule.SIGNED_IN,  # an expert's own seats only; empty for anyone else
    "panels.declare": Rule.SIGNED_IN,  # the expert on the seat only
    "panels.score": Rule.SIGNED_IN,  # the expert on the seat, after the declaration
    "panels.result": Rule.SIGNED_IN,  # the drawing department and the members; scores hidden until all submitted
    "workdays.index": Rule.REGION_ADMIN,  # platform administrators only (dept_type "admin"), checked in the view
    "workdays.change": Rule.REGION_ADMIN,
    "dictionaries.index": Rule.REGION_ADMIN,  # platform administrators only (dept_type "admin"), checked in the view
    "dictionaries.change": Rule.REGION_ADMIN,  # as dictionaries.index, and again in dictionaries/services.py
    # calls for projects (calls/services.py): issuing departments (finance, development-reform) keep their own calls;
    # units see published calls whose scope covers their region and their own applications; anything else is 404
    "calls.index": Rule.SIGNED_IN,  # a department its own calls; a unit the published ones covering its region
    "calls.export": Rule.SIGNED_IN,  # as calls.index
    "calls.new": Rule.SIGNED_IN,  # active finance / development-reform departments only (calls.services.may_issue)
    "calls.edit": Rule.SIGNED_IN,  # the issuing department, while the call is a draft
    "calls.publish": Rule.SIGNED_IN,  # the issuing department
    "calls.close": Rule.SIGNED_IN,  # the issuing department
    "calls.detail": Rule.SIGNED_IN,  # the issuer (every application); a unit in scope, not a draft (its own only)
    "calls.export_applications": Rule.SIGNED_IN,  # as calls.detail
    "calls.apply": Rule.SIGNED_IN,  # project units in the call's scope, with their own projects
    "calls.withdraw": Rule.SIGNED_IN,  # the applying unit only, before the call closes
    "reviews.call_reviews": Rule.SIGNED_IN,  # the call's issuing department only (reviews.services)
    "reviews.start": Rule.SIGNED_IN,  # 确定项目: the call's issuing department only
    "reviews.case": Rule.SIGNED_IN,  # the issuer, the review centre (all of it); the applicant unit (steps, result)
    "library.call_library": Rule.SIGNED_IN,  # the call's department and admins (all); a unit its own entries only
    "library.export": Rule.SIGNED_IN,  # as library.call_library
    "library.set_total": Rule.SIGNED_IN,  # the call's issuing department only (review_library.services)
    "library.arrange": Rule.SIGNED_IN,  # the call's issuing department only (review_library.budget)
    "library.reverse": Rule.SIGNED_IN,  # 冲销: the call's issuing department only (review_library.budget)
    "library.reports": Rule.SIGNED_IN,  # the call's department and admins (review_library.batch)
    "library.entry": Rule.SIGNED_IN,  # the call's department, admins, the applicant unit, the panel's experts
    "library.report": Rule.SIGNED_IN,  # as library.entry; the unit's copy names no expert
    "orders.new": Rule.SIGNED_IN,  # the project's unit, its competent department, finance (orders.services)
    "orders.issue": Rule.SIGNED_IN,  # as orders.new; the agency must be qualified for the service
    "orders.index": Rule.SIGNED_IN,  # the orders the user's organisation is a party to
    "orders.detail": Rule.SIGNED_IN,  # the issuer, the agency and the project's unit only (404 for anyone else)
    # the fund ledger (funds/services.py): whoever sees the project reads it; its unit and finance departments
    # that see it enter payments; only the entering organisation reverses one or adds its voucher; else 404
    "exchange.index": Rule.ANALYST,  # the exchange log with the finance system: analysts and platform admins
    "exchange.message": Rule.ANALYST,
    "exchange.replay": Rule.ANALYST,
    "funds.project": Rule.SIGNED_IN,  # anyone who may see the project (project_scope)
    "funds.add_payment": Rule.SIGNED_IN,  # the project's unit, or a finance department that sees the project
    "funds.template": Rule.SIGNED_IN,  # as funds.add_payment
    "funds.import_payments": Rule.SIGNED_IN,  # as funds.add_payment
    "funds.reverse": Rule.SIGNED_IN,  # the organisation that entered the payment, on a project it sees
    "funds.voucher": Rule.SIGNED_IN,  # as funds.reverse
    "funds.exceptions": Rule.SIGNED_IN,  # departments and units: exceptions of the projects they see (project_scope)
    "funds.export_exceptions": Rule.SIGNED_IN,  # as funds.exceptions
    "funds.report_page": Rule.SIGNED_IN,  # as funds.exceptions: sums over the projects the user sees
    "funds.report_download": Rule.SIGNED_IN,  # as funds.report_page
    "funds.report_pdf": Rule.SIGNED_IN,  # as funds.report_page
    "audit.index": Rule.AUDITOR,
    "audit.verify": Rule.AUDITOR,
    # files domain (attachments)
    "files.upload": Rule.SIGNED_IN,  # the slot owner's side only (unit + agencies, or a department), files/owners.py
    "files.withdraw": Rule.SIGNED_IN,  # the uploader's organisation, until a step completes after it, files/owners.py
    "files.download": Rule.SIGNED_IN,  # whoever sees the attachment's project, files/services.py
    "files.preview": Rule.SIGNED_IN,  # as files.download
    # records domain (process records)
    # reports: overview, fixed tables, charts
    "reports.index": Rule.SIGNED_IN,  # figures of the projects the user sees (project_scope), reports/fixed/overview.py
    "reports.fixed_table": Rule.SIGNED_IN,  # as reports.index, reports/fixed/tables.py
    "reports.fixed_download": Rule.SIGNED_IN,  # as reports.index
    "reports.group_charts": Rule.SIGNED_IN,  # the page only; its data comes from reports.group_charts_data
    "reports.group_charts_data": Rule.SIGNED_IN,  # projects the user may see, library.filtered
    "reports.project_progress": Rule.SIGNED_IN,  # anyone who may see the project, else 404 (reports/fixed/charts.py)
    # reports: self-composed
    "composer.index": Rule.SIGNED_IN,  # numbers of the projects the user may see only (project_scope)
    "composer.run": Rule.SIGNED_IN,  # own or shared-in-own-organisation definitions, reports/composer/saved.py
    "composer.export": Rule.SIGNED_IN,  # as composer.index
    "composer.save": Rule.SIGNED_IN,  # the user's own definitions only
    "composer.delete": Rule.SIGNED_IN,  # only the owner's
    "composer.verify": Rule.SIGNED_IN,  # re-runs in the user's own scope
    # reports: project report PDF
    "project_reports.project_pdf": Rule.SIGNED_IN,  # anyone who may see the project, else 404 (reports/pdf/services.py)
    "project_reports.batches_index": Rule.SIGNED_IN,  # own organisation's batches; a new one over the user's projects
    "project_reports.batch_page": Rule.SIGNED_IN,  # the requester's organisation only, else 404 (reports/batch/)
    "project_reports.batch_status": Rule.SIGNED_IN,  # as project_reports.batch_page
    "project_reports.batch_download": Rule.SIGNED_IN,  # as project_reports.batch_page
    # api: data exchange
    # a token's user is the request's user (api/__init__.py): the same rules and project_scope as the pages
    "api.projects": Rule.SIGNED_IN,
    "api.project": Rule.SIGNED_IN,
    "api.investment": Rule.SIGNED_IN,
    "api.funding": Rule.SIGNED_IN,
    "api.procurement": Rule.SIGNED_IN,
    "api.contracts": Rule.SIGNED_IN,
    "api.progress": Rule.SIGNED_IN,
    "api.reviews": Rule.SIGNED_IN,
    "api.arrangements": Rule.SIGNED_IN,
    "api.import_arrangements": Rule.SIGNED_IN,  # and the token scope budget:write (api/__init__.py SCOPES)
    "api.import_payments": Rule.SIGNED_IN,  # budget:write, a project the token's user sees and may enter payments on
    "api.openapi": Rule.PUBLIC,  # the document describes the API; it holds no data
    # project library
    "transfer.map_import": Rule.REGION_ADMIN,  # the import's mapping step, the same rules as the upload
    "transfer.import_projects": Rule.REGION_ADMIN,  # a district's administrator: own region only, transfer.py
    "transfer.template": Rule.SIGNED_IN,
    "transfer.export": Rule.SIGNED_IN,  # only projects the user may see, library.filtered
    "projects.engage": Rule.SIGNED_IN,  # the project's own unit, projects/engagements.py
    "projects.end_engagement": Rule.SIGNED_IN,  # the project's own unit, projects/engagements.py
    "projects.new": Rule.SIGNED_IN,  # active project units only, checked in projects/registry.py
    "projects.save_filter": Rule.SIGNED_IN,  # a user's own filters
    "projects.delete_filter": Rule.SIGNED_IN,  # only the owner's, by the delete statement
    "projects.functions": Rule.SIGNED_IN,  # the unit or the competent department, projects/library.py
    "projects.add_log": Rule.SIGNED_IN,  # anyone who may see the project
    "projects.start": Rule.SIGNED_IN,  # the project's own unit, projects/life.py
    "projects.diagram": Rule.SIGNED_IN,  # anyone who may see the project
    # 流程管理: the process catalog, a version's diagram, a draft's diff and impact, deployment
    "processes.index": Rule.ANALYST,
    "processes.version": Rule.ANALYST,
    "processes.version_diagram": Rule.ANALYST,
    "processes.download": Rule.ANALYST,
    "processes.draft": Rule.ANALYST,
    "processes.deploy": Rule.ANALYST,
    "processes.migrate": Rule.ANALYST,
    "processes.batch": Rule.ANALYST,
    "processes.batch_status": Rule.ANALYST,
    "processes.incidents": Rule.ANALYST,
    "processes.retry": Rule.ANALYST,
    "processes.suspend": Rule.ANALYST,
    "processes.resume": Rule.ANALYST,
    "processes.skip": Rule.ANALYST,
    "processes.edit_data": Rule.ANALYST,
    "processes.terminate": Rule.ANALYST,
    "processes.retry_job": Rule.ANALYST,  # a background job that exhausted its retries
    "processes.modeler_open": Rule.ANALYST,
    "processes.modeler_draft": Rule.ANALYST,
    "processes.modeler_save": Rule.ANALYST,
    "processes.modeler_validate": Rule.ANALYST,
    "processes.modeler_check": Rule.ANALYST,
    "processes.modeler_deploy": Rule.ANALYST,
    "processes.modeler_download": Rule.ANALYST,
    "processes.modeler_discard": Rule.ANALYST,
}

# An expert's account (an organisation of kind "expert", experts/accounts.py) opens these and nothing
# else that needs a sign-in: the panels they sit on (scoped in experts/access.py) and their own account.
# An allow-list, so that a page added later for units or departments stays closed to experts.
EXPERT_ENDPOINTS = frozenset(
    {
        "orgs.logout",
        "orgs.account",
        "orgs.change_password",
        "orgs.totp_setup",
        "panels.index",
        "panels.mine",
        "panels.detail",
        "panels.declare",
        "panels.score",
        "panels.result",
        "library.entry",  # the library entry of a case whose panel the expert sits on (review_library.services)
        "library.report",  # its 评审报告, as library.entry
    }
)

_ROLE_CHECKS: dict[Rule, Callable[[User], bool]] = {
    Rule.SIGNED_IN: lambda u: True,
    Rule.DEPT_ADMIN: lambda u: u.is_admin and u.org.kind == OrgKind.DEPARTMENT,
    Rule.REGION_ADMIN: lambda u: u.is_region_admin,
    Rule.AUDITOR: lambda u: u.is_auditor,
    Rule.ANALYST: lambda u: u.is_analyst or (u.is_region_admin and u.org.dept_type == "admin"),
}


def check_request() -> Any:
    """Refuse a request its endpoint's rule does not allow; runs before every view."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: Flask answers 404 or 405 itself
    rule = POLICY.get(endpoint)
    if rule is None:
        log.error("endpoint %s has no entry in permissions.POLICY; refused", endpoint)
        abort(404)
    if rule == Rule.PUBLIC:
        return None
    if not current_user.is_authenticated:
        from .extensions import login_manager

        return login_manager.unauthorized()
    if current_user.org.kind == OrgKind.EXPERT and endpoint not in EXPERT_ENDPOINTS:
        if endpoint == "inbox.index":  # the landing page after sign-in: an expert's is 我的评审
            return redirect(url_for("panels.mine"))
        abort(404)
    if not _ROLE_CHECKS[rule](current_user):
        abort(404)
    return None


def project_scope(user: User) -> ColumnElement[bool]:
    """The projects a user may see.

    - a project unit: its own projects;
    - an agency: the projects it is engaged on, while the engagement lasts;
    - a management department: projects in its jurisdiction (a department of the top region: every
      project; of a city below a province: the city and its districts; a district department: its
      district, plus projects the city shares with the district), and any project routed to it for sign-off.
      Jurisdiction follows 项目级次, not only 项目地区: a 市本级 project located in a district is the city's
      (projects.levels), which the district sees when the city shares it;
    - everyone else: none.
    """
    org = user.org
    if org.kind == OrgKind.UNIT:
        return Project.unit_id == org.id
    if org.kind == OrgKind.DEPARTMENT:
        region = org.region
        if region.parent_id is None:
            return true()  # every project is in the top region or below it
        own = Project.region_id == org.region_id
        if region.level != OrgLevel.DISTRICT:  # a city of a province: its districts' projects too
            below = select(Region.id).where(Region.parent_id == org.region_id)
            own = or_(own, Project.region_id.in_(below))
        own = and_(own, Project.level.in_(REGION_LEVELS[REGION_LEVELS.index(region.level) :]))
        routed = exists().where(HumanTask.project_id == Project.id, HumanTask.org_code == org.code)
        shared = exists().where(ProjectShare.project_id == Project.id, ProjectShare.region_id == org.region_id)
        return or_(own, shared, routed)
    if org.kind == OrgKind.AGENCY:
        return exists().where(
            Engagement.project_id == Project.id, Engagement.agency_id == org.id, Engagement.ended_on.is_(None)
        )
    return false()


def init_app(app: Flask) -> None:
    app.before_request(check_request)
