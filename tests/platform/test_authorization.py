"""Every route, every role, against objects of another unit, agency, department and district.

Generated from the app's URL map: a route without an entry in permissions.POLICY fails here, and
every guarded route must answer 404 (or 403) to a role that may not use it, or for an object the
role may not see. Anonymous users are sent to the sign-in page.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers import ready_tasks
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import OrgKind, OrgState, User
from zerolegwork.permissions import POLICY, Rule
from zerolegwork.projects import services as projects
from zerolegwork.projects.models import Project

ROLES = {
    "anonymous": None,
    "unit": "unit1",
    "other_unit": "other_unit",
    "agency": "agency1",
    "city_department": "finance1",
    "district_department": "finance1_150202",
    "department_admin": "finance_admin",
    "district_region_admin": "admin_150202",
    "auditor": "auditor",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app, seeded once, with objects owned by others: two units' projects, a task, a registration."""
    from tests.conftest import deploy_repository, make_settings
    from zerolegwork import create_app, demo

    app = create_app(make_settings(f"sqlite:///{tmp_path_factory.mktemp('authz') / 'authz.db'}"))
    with app.app_context():
        db.create_all()
        deploy_repository()
        demo.seed()
        regions = orgs.ensure_regions()
        other = orgs.create_org("other_unit_org", "东河区某建设单位", OrgKind.UNIT, regions["东河区"])
        orgs.create_user("other_unit", "另一单位经办人", DEMO_PASSWORD, other)
        # agency1 is the demo's agency, engaged on the demo unit's first project only
        pending = orgs.create_org(
            "pending_org", "青山区待审单位", OrgKind.UNIT, regions["青山区"], state=OrgState.PENDING
        )
        other_project = projects.create_project(
            "2026-OTHER-0001", "东河区另一单位项目", other.id, "东河区", "市政道路", Decimal("10")
        )
        unit = db.session.scalars(select(User).where(User.username == "unit1")).one()
        unit_project = db.session.scalars(
            select(Project).where(Project.unit_id == unit.org_id).order_by(Project.id)
        ).first()
        projects.submit_for_signoff(unit, unit_project.id)
        db.session.commit()
        (finance_task,) = ready_tasks(unit_project.id, "finance")
        # the unit's own evidence: others may not withdraw it (404 who cannot see it, 403 who can)
        from tests.files import samples
        from zerolegwork.files import services as files

        evidence = files.upload(unit, unit_project.id, "feasibility_report", "报告.pdf", io.BytesIO(samples.PDF))
        # a draft call of the city's finance bureau and a unit's application to the demo's open call
        from werkzeug.datastructures import MultiDict

        from zerolegwork.calls import demo as calls_demo
        from zerolegwork.calls import services as calls

        open_call = calls_demo.seed()
        finance = db.session.scalars(select(User).where(User.username == "finance1")).one()
        form = {"title": "草稿征集", "opens_on": "2026-09-21", "closes_on": "2026-10-09", "slots": "申报书"}
        draft_call = calls.create_call(finance, MultiDict(form))
        from zerolegwork.calls.models import CallApplication

        application = db.session.scalars(
            select(CallApplication).where(CallApplication.call_id == open_call.id).order_by(CallApplication.id)
        ).first()
        db.session.commit()
        world = {
            "unit_project": unit_project.id,
            "other_project": other_project.id,
            "finance_task": finance_task.id,
            "pending_org": pending.id,
            "unit_evidence": evidence.id,
            "draft_call": draft_call.id,
            "call_application": application.id,
        }
        db.session.remove()
    return app, world


def foreign(role: str, param: str, world: dict[str, Any], endpoint: str = "") -> Any:
    """An object for `param` that `role` must not see; None when the role legitimately sees them all."""
    if param == "project_id":
        return {
            "unit": world["other_project"],
            "other_unit": world["unit_project"],
            "agency": world["other_project"],
            "district_department": world["unit_project"],
            "district_region_admin": world["unit_project"],
            "anonymous": world["unit_project"],
        }.get(role)
    if param == "call_id":  # the city finance bureau's draft: its own staff only
        return None if role in ("city_department", "department_admin") else world["draft_call"]
    if param == "application_id":  # the unit's application: only the unit withdraws it
        return None if role == "unit" else world["call_application"]
    if param == "task_id":
        return None if role == "city_department" else world["finance_task"]
    if param == "org_id":
        return world["pending_org"]
    if param == "what":
        return None if role == "department_admin" else "level"
    if param == "attachment_id":
        # withdrawing the unit's version is refused to every other role; seeing it, to those outside the project
        if endpoint == "files.withdraw":
            return None if role == "unit" else world["unit_evidence"]
        sees = {"unit", "agency", "city_department", "department_admin", "auditor"}
        return None if role in sees else world["unit_evidence"]
    return None


def test_every_route_has_a_policy_entry():
    from tests.conftest import make_settings
    from zerolegwork import create_app

    app = create_app(make_settings("sqlite://"))
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(POLICY))
    assert missing == [], f"add these endpoints to zerolegwork/permissions.py POLICY: {missing}"


def test_an_endpoint_without_policy_is_refused(app, client, login, people):
    @app.route("/unguarded-test-route")
    def unguarded():  # type: ignore[no-untyped-def]
        return "should not be served"

    login("admin")
    assert client.get("/unguarded-test-route").status_code == 404


ROLE_RULE_ALLOWED = {
    Rule.DEPT_ADMIN: {"department_admin"},
    Rule.REGION_ADMIN: {"district_region_admin"},
    Rule.AUDITOR: {"auditor"},
}


def attempts(world: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(role, endpoint, method, url) for every attempt the role must be refused."""
    from tests.conftest import make_settings
    from zerolegwork import create_app

    out = []
    for rule_ in create_app(make_settings("sqlite://")).url_map.iter_rules():
        rule = POLICY[rule_.endpoint]
        if rule == Rule.PUBLIC:
            continue
        for method in sorted(rule_.methods - {"HEAD", "OPTIONS"}):
            for role in ROLES:
                values = {arg: foreign(role, arg, world, rule_.endpoint) for arg in rule_.arguments}
                complete = all(v is not None for v in values.values())
                objects_guarded = bool(values) and complete
                role_guarded = rule in ROLE_RULE_ALLOWED and role not in ROLE_RULE_ALLOWED[rule]
                if role == "anonymous" and not complete:
                    continue
                if role != "anonymous" and not objects_guarded and not role_guarded:
                    continue
                url = rule_.rule
                for arg, value in values.items():
                    url = url.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
                out.append((role, rule_.endpoint, method, url))
    return out


def test_every_route_refuses_every_role_that_may_not_use_it(site):
    app, world = site
    tried = sorted(attempts(world))  # grouped by role: one sign-in each (sign-in is rate limited)
    assert len(tried) > 50
    failures = []
    client = app.test_client()
    current = None
    for role, endpoint, method, url in tried:
        if role != current:
            client = app.test_client()
            if ROLES[role]:
                resp = client.post("/login", data={"username": ROLES[role], "password": DEMO_PASSWORD})
                assert resp.status_code == 302, f"{role} could not sign in"
            current = role
        resp = client.open(url, method=method, data={"decision": "approve", "opinion": "越权尝试", "name": "越权"})
        if role == "anonymous":
            ok = resp.status_code in (302, 401) and "/login" in resp.headers.get("Location", "/login")
        else:
            ok = resp.status_code in (403, 404)
        if not ok:
            failures.append(f"{role} {method} {url} ({endpoint}) -> {resp.status_code}")
    with app.app_context():
        untouched = db.session.get(HumanTask, world["finance_task"])
        assert untouched.state == "ready"
        from zerolegwork.files.models import Attachment

        assert db.session.get(Attachment, world["unit_evidence"]).withdrawn_at is None
        from zerolegwork.calls.models import CallApplication, ProjectCall

        assert db.session.get(ProjectCall, world["draft_call"]).state == "draft"
        assert db.session.get(ProjectCall, world["draft_call"]).title == "草稿征集"
        assert db.session.get(CallApplication, world["call_application"]).state == "submitted"
        assert [e for _r, e, _m, _u in tried if e == "files.withdraw"], "withdraw was not tried"
        for endpoint in ("calls.publish", "calls.edit", "calls.detail", "calls.apply", "calls.withdraw"):
            assert [e for _r, e, _m, _u in tried if e == endpoint], f"{endpoint} was not tried"
    assert failures == []
