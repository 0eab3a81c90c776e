"""Process 1, project information (information.bpmn): the unit records, the competent department confirms or returns."""

from __future__ import annotations

import pytest

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import CONFIRM, INFORMATION, act, asked, data_of, find, returned, start
from zerolegwork.engine.errors import NotAllowedToActError
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.projects.models import ProjectState

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path


def test_recorded_information_confirmed_by_the_competent_department(app, people):
    project = people["projects"][0]
    iid = start(people, "information").instance_id
    assert asked(iid) == [("record_information", "demo_unit", "")]
    act(people, iid, "record_information", {**INFORMATION, "category": "城市更新", "planned_investment": "9000.5000"})
    db.session.refresh(project)
    assert project.state == ProjectState.IN_APPROVAL
    check = find(iid, "check_information")
    assert check.org_code == "ndrc" and check.form_key == "department_check" and check.mode == "approval"
    result = act(people, iid, "check_information", CONFIRM)
    assert result.status == "completed"
    assert result.data["category"] == "城市更新" and result.data["planned_investment"] == "9000.5000"
    assert result.data["information_check"]["decision"] == "confirm"


def test_a_return_goes_back_to_the_unit_with_the_opinion(app, people):
    project = people["projects"][0]
    iid = start(people, "information").instance_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", returned("建设期限与可研不一致"))
    assert asked(iid) == [("record_information", "demo_unit", "")]
    assert data_of(iid)["information_check"]["opinion"] == "建设期限与可研不一致"
    db.session.refresh(project)
    assert project.state == ProjectState.RETURNED
    act(people, iid, "record_information", {**INFORMATION, "end_year": 2028})
    db.session.refresh(project)
    assert project.state == ProjectState.IN_APPROVAL
    result = act(people, iid, "check_information", CONFIRM)
    assert result.status == "completed" and result.data["information"]["end_year"] == 2028


def test_only_the_competent_department_may_check(app, people):
    iid = start(people, "information").instance_id
    act(people, iid, "record_information", INFORMATION)
    task = find(iid, "check_information")
    with pytest.raises(NotAllowedToActError):
        inbox.complete(people["users"]["housing1"], task.id, CONFIRM)
