"""Four joint sign-offs at four places of the same version, for the impact and migration tests.

One waits at the departments' review, one was returned and waits at the unit's revision, one was
resubmitted (second round at the review), one was approved (finished).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers import ready_tasks, revise, sign, submit
from zerolegwork.engine.models import ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.projects.models import Project


def like_the_first(people: dict[str, Any], name: str) -> Project:
    first = people["projects"][0]
    project = projects.create_project(
        None,
        name,
        first.unit_id,
        first.region.name,
        first.category,
        first.planned_investment,
        competent_department_id=first.competent_department_id,
    )
    db.session.commit()
    people["projects"].append(project)
    return project


def round_of(people: dict[str, Any], project_id: int, rejecting: str | None = None) -> None:
    for dept in sorted(t.org_code for t in ready_tasks(project_id)):
        sign(people, project_id, dept, "reject" if dept == rejecting else "approve")


@pytest.fixture
def places(any_app, people) -> dict[str, int]:
    """Project ids by where their sign-off stands."""
    while len(people["projects"]) < 4:
        like_the_first(people, f"包头市影响分析测试工程{len(people['projects'])}")
    waiting = submit(people, 0)
    returned = submit(people, 1)
    round_of(people, returned.id, rejecting="finance")
    again = submit(people, 2)
    round_of(people, again.id, rejecting="finance")
    revise(people, again.id)
    approved = submit(people, 3)
    round_of(people, approved.id)
    assert db.session.get(ProcessInstance, ready_or_none(waiting.id)) is not None
    return {"waiting": waiting.id, "returned": returned.id, "again": again.id, "approved": approved.id}


def ready_or_none(project_id: int) -> int | None:
    return next((t.instance_id for t in ready_tasks(project_id)), None)


def live_definition() -> ProcessDefinition:
    return db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == "joint_signoff")
        .order_by(ProcessDefinition.version.desc())
    ).first()
