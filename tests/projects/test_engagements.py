"""Intermediary agencies: the unit engages one on its project; while engaged it sees the project and works on it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation
from zerolegwork.projects import engagements, library, log
from zerolegwork.projects.errors import ProjectFormError, ProjectNotFoundError
from zerolegwork.projects.library import ProjectQuery


def _agency() -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.code == "demo_agency")).one()


def test_an_engaged_agency_sees_only_its_projects_and_writes_their_log(app, people):
    agency1 = people["users"]["agency1"]
    first, second = people["projects"][0], people["projects"][1]
    rows, total = library.list_projects(agency1, ProjectQuery())
    assert [p.id for p in rows] == [first.id] and total == 1  # the demo engages it on the first project
    log.add_entry(agency1, first.id, "2026-11-20", "监理例会：进度正常。", today=date(2026, 11, 26))
    with pytest.raises(ProjectNotFoundError):
        log.add_entry(agency1, second.id, "2026-11-20", "x", today=date(2026, 11, 26))


def test_the_unit_engages_and_ends_and_the_agency_loses_sight(app, people):
    unit1, agency1 = people["users"]["unit1"], people["users"]["agency1"]
    second = people["projects"][1]
    row = engagements.engage(unit1, second.id, _agency().id, "cost_audit")
    db.session.commit()
    assert second.id in [p.id for p in library.list_projects(agency1, ProjectQuery())[0]]
    with pytest.raises(ProjectFormError):
        engagements.engage(unit1, second.id, _agency().id, "cost_audit")  # already engaged
    with pytest.raises(ProjectFormError):
        engagements.engage(unit1, second.id, _agency().id, "performance")  # a service it does not offer
    with pytest.raises(ProjectNotFoundError):
        engagements.end(people["users"]["finance1"], row.id)  # only the unit
    engagements.end(unit1, row.id)
    db.session.commit()
    assert second.id not in [p.id for p in library.list_projects(agency1, ProjectQuery())[0]]
    again = engagements.engage(unit1, second.id, _agency().id, "cost_audit")  # re-engaging reopens the row
    assert again.id == row.id and again.ended_on is None


def test_only_the_unit_engages_from_the_page(client, login, people):
    project = people["projects"][1]
    login("finance1")
    assert (
        client.post(
            f"/projects/{project.id}/engagements", data={"agency_id": str(_agency().id), "service_type": "consulting"}
        ).status_code
        == 404
    )
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="engage-form"' in page
    resp = client.post(
        f"/projects/{project.id}/engagements", data={"agency_id": str(_agency().id), "service_type": "consulting"}
    )
    assert resp.status_code == 302
    login("agency1")
    assert client.get(f"/projects/{project.id}").status_code == 200
