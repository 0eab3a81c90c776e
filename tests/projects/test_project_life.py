"""A registered project runs its whole life from the project page: chosen functions shape what it is asked."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from tests.engine.lifecycle_support import CONFIRM, INFORMATION, act, asked, investment_plan, sign_off
from tests.engine.lifecycle_support import app as app
from tests.projects.test_library import _form
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation
from zerolegwork.projects import library, life, registry
from zerolegwork.records import services as records


def _road(people, **functions):
    unit = people["users"]["unit1"]
    ndrc = db.session.scalars(select(Organisation.id).where(Organisation.code == "ndrc")).one()
    project = registry.register_project(unit, _form(competent_department_id=str(ndrc)))
    library.choose_functions(unit, project, functions)
    db.session.commit()
    return project


def test_the_unit_starts_the_life_and_the_page_follows_it(app, client, login, people):
    project = _road(people, procedures=["proposal", "land_use"], progress=["image"])
    login("unit1")
    assert client.post(f"/projects/{project.id}/start").status_code == 302
    db.session.refresh(project)
    instance = project.lifecycle_id
    assert instance and project.state == "in_approval"
    assert [a[0] for a in asked(instance)] == ["record_information"]
    act(people, instance, "record_information", INFORMATION)
    act(people, instance, "check_information", CONFIRM)
    act(people, instance, "record_investment", investment_plan())
    act(people, instance, "check_investment", CONFIRM)
    sign_off(people, instance)
    # procedures asks for exactly the two chosen procedures; procurement had nothing chosen
    assert sorted(a[2] for a in asked(instance) if a[0] == "record_procedure") == ["land_use", "proposal"]
    db.session.refresh(project)
    assert project.industry_type == "市政公用" and project.management_status == "前期"
    assert records.current_investment_plan(project.id).total == Decimal(investment_plan()["total"])
    states = {row["process"].key: row["state"] for row in life.process_states(project)}
    assert states["information"] == "done" and states["investment"] == "done" and states["procedures"] == "active"
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="lifecycle-diagram"' in page and 'data-state="active"' in page
    diagram = client.get(f"/projects/{project.id}/diagram.xml").get_json()
    assert "call_procedures" in diagram["xml"] and diagram["positions"]["call_procedures"] == "active"
    assert 'data-testid="open-tasks"' in page and "项目建议书" in page


def test_two_projects_with_different_choices_are_asked_different_things(app, people):
    first = _road(people, procedures=["feasibility"])
    second = _road(people, procedures=["proposal", "approval", "planning"])
    unit = people["users"]["unit1"]
    for project in (first, second):
        life.start_lifecycle(unit, project.id)
        db.session.commit()
        act(people, project.lifecycle_id, "record_information", INFORMATION)
        act(people, project.lifecycle_id, "check_information", CONFIRM)
        act(people, project.lifecycle_id, "record_investment", investment_plan())
        act(people, project.lifecycle_id, "check_investment", CONFIRM)
        sign_off(people, project.lifecycle_id)
    items = {p.id: sorted(a[2] for a in asked(p.lifecycle_id) if a[0] == "record_procedure") for p in (first, second)}
    assert items == {first.id: ["feasibility"], second.id: ["approval", "planning", "proposal"]}


def test_functions_changed_later_reach_the_running_life(app, people):
    project = _road(people, procedures=["proposal"])
    unit = people["users"]["unit1"]
    life.start_lifecycle(unit, project.id)
    db.session.commit()
    library.choose_functions(unit, project, {"procedures": ["proposal", "permits"]})
    life.functions_changed(project)
    db.session.commit()
    act(people, project.lifecycle_id, "record_information", INFORMATION)
    act(people, project.lifecycle_id, "check_information", CONFIRM)
    act(people, project.lifecycle_id, "record_investment", investment_plan())
    act(people, project.lifecycle_id, "check_investment", CONFIRM)
    sign_off(people, project.lifecycle_id)
    asked_now = sorted(a[2] for a in asked(project.lifecycle_id) if a[0] == "record_procedure")
    assert asked_now == ["permits", "proposal"]


def test_only_the_unit_starts_and_only_once(app, client, login, people):
    project = _road(people)
    login("ndrc1")
    assert client.post(f"/projects/{project.id}/start").status_code == 404
    login("unit1")
    assert client.post(f"/projects/{project.id}/start").status_code == 302
    assert client.post(f"/projects/{project.id}/start").status_code == 409
    assert db.session.query(HumanTask).filter_by(project_id=project.id).count() == 1


def test_the_project_follows_its_lifecycle_stage(app, people):
    project = _road(people, procedures=["proposal"])
    life.start_lifecycle(people["users"]["unit1"], project.id)
    db.session.commit()
    assert project.stage == "information"
    act(people, project.lifecycle_id, "record_information", INFORMATION)
    act(people, project.lifecycle_id, "check_information", CONFIRM)
    db.session.refresh(project)
    assert project.stage == "investment"
    act(people, project.lifecycle_id, "record_investment", investment_plan())
    act(people, project.lifecycle_id, "check_investment", CONFIRM)
    sign_off(people, project.lifecycle_id)
    db.session.refresh(project)
    assert project.stage == "preparation" and project.state == "approved"


def test_a_task_inside_a_called_process_shows_that_process(app, client, login, people):
    project = _road(people)
    life.start_lifecycle(people["users"]["unit1"], project.id)
    db.session.commit()
    (task,) = db.session.scalars(select(HumanTask).where(HumanTask.project_id == project.id)).all()
    login("unit1")
    body = client.get(f"/tasks/{task.id}/diagram.json").get_json()
    assert body["process"] == "information" and body["positions"]["record_information"] == "active"
    assert "BPMNDiagram" in body["xml"]
