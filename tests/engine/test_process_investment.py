"""Process 3, investment (investment.bpmn): the plan, the competent department's first check, the joint sign-off."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import (
    CONFIRM,
    SIGNOFF_DEPARTMENTS,
    act,
    asked,
    data_of,
    investment_plan,
    ready,
    returned,
    sign_off,
    start,
)
from zerolegwork.extensions import db
from zerolegwork.projects.models import ProjectState

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path


def test_a_checked_plan_goes_to_the_joint_signoff_and_is_approved(app, people):
    project = people["projects"][0]
    iid = start(people, "investment").instance_id
    assert asked(iid) == [("record_investment", "demo_unit", "")]
    act(people, iid, "record_investment", investment_plan("12800.0000"))
    act(people, iid, "check_investment", CONFIRM)
    assert sorted(t.org_code for t in ready(iid, "department_review")) == sorted(SIGNOFF_DEPARTMENTS)
    assert data_of(iid)["planned_investment"] == "12800.0000"
    result = sign_off(people, iid)
    assert result.status == "completed"
    assert result.data["investment_approved"] is True and "modes" not in result.data
    assert result.data["investment_plan"]["fund_bonds"] == "6400.0000"
    db.session.refresh(project)
    assert project.state == ProjectState.APPROVED


def test_the_signoff_routes_on_the_plans_total(app, people):
    iid = start(people, "investment").instance_id
    act(people, iid, "record_investment", investment_plan("800.0000"))
    act(people, iid, "check_investment", CONFIRM)
    modes = {t.org_code: t.mode for t in ready(iid, "department_review")}
    assert modes["ndrc"] == "filing" and modes["environment"] == "filing" and modes["finance"] == "approval"


def test_the_competent_department_returns_the_plan_to_the_unit(app, people):
    project = people["projects"][0]
    iid = start(people, "investment").instance_id
    act(people, iid, "record_investment", investment_plan())
    act(people, iid, "check_investment", returned("资金来源未落实"))
    assert asked(iid) == [("record_investment", "demo_unit", "")]
    db.session.refresh(project)
    assert project.state == ProjectState.RETURNED
    act(people, iid, "record_investment", investment_plan())
    act(people, iid, "check_investment", CONFIRM)
    assert len(ready(iid, "department_review")) == 4


def test_a_rejected_signoff_withdrawn_by_the_unit_is_not_approved(app, people):
    project = people["projects"][0]
    iid = start(people, "investment").instance_id
    act(people, iid, "record_investment", investment_plan())
    act(people, iid, "check_investment", CONFIRM)
    sign_off(people, iid, reject="housing")
    db.session.refresh(project)
    assert project.state == ProjectState.RETURNED
    result = act(people, iid, "revise_application", {"action": "withdraw", "note": ""})
    assert result.status == "completed"
    assert result.data["investment_approved"] is False and result.data["closed_reason"] == "withdrawn"
    db.session.refresh(project)
    assert project.state == ProjectState.CLOSED
