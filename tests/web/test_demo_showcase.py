"""The demo shows the platform's strengths: every stage, charts with data, a return, a delay, a chain, a level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from zerolegwork import showcase
from zerolegwork.db import utcnow
from zerolegwork.engine.models import HumanTask, HumanTaskState, TaskStep
from zerolegwork.extensions import db
from zerolegwork.files.models import Attachment
from zerolegwork.orgs import structure
from zerolegwork.orgs.models import ApprovalMode, OrgLevel
from zerolegwork.orgs.services import org_by_code
from zerolegwork.projects.classification import STAGES
from zerolegwork.projects.models import Project, ProjectState
from zerolegwork.records.models import ProgressReport


@pytest.fixture
def shown(app, people):
    showcase.seed()
    db.session.commit()
    return list(db.session.scalars(select(Project).where(Project.name.contains(showcase.SHOWCASE_MARK))))


def test_there_is_a_showcase_project_at_every_lifecycle_stage(shown):
    stages = {p.stage for p in shown}
    assert set(STAGES) - {"closed"} <= stages, stages
    assert any(p.state == ProjectState.CLOSED and p.stage == "completed" for p in shown)


def test_the_economy_bureau_approves_through_three_posts_and_each_post_signed(shown):
    dept = org_by_code(showcase.CHAIN_DEPARTMENT)
    chain = structure.chain(dept, ApprovalMode.APPROVAL)
    assert [p.name for p in chain] == ["经办岗", "科长岗", "分管领导岗"]
    done = (
        HumanTask.org_code == showcase.CHAIN_DEPARTMENT,
        HumanTask.mode == "approval",
        HumanTask.state == HumanTaskState.COMPLETED,
    )
    # the levels below the last leave a step each; the last level's opinion completes the task at its post
    below = db.session.scalars(
        select(TaskStep.post_id).join(HumanTask, HumanTask.id == TaskStep.human_task_id).where(*done)
    )
    last = db.session.scalars(select(HumanTask.post_id).where(*done))
    assert set(below) == {chain[0].id, chain[1].id} and set(last) == {chain[2].id}


def test_a_matter_is_returned_to_its_unit_with_the_opinion(shown):
    (returned,) = [p for p in shown if p.state == ProjectState.RETURNED]
    waiting = db.session.scalars(
        select(HumanTask).where(HumanTask.project_id == returned.id, HumanTask.state == HumanTaskState.READY)
    ).all()
    assert [(t.bpmn_id, t.org_code) for t in waiting] == [("record_information", "demo_unit")]


def test_one_department_task_is_overdue(shown):
    late = db.session.scalar(
        select(func.count()).where(HumanTask.state == HumanTaskState.READY, HumanTask.due_at < utcnow())
    )
    assert late == 1
    soon = db.session.scalar(
        select(func.count()).where(
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_at > utcnow(),
            HumanTask.due_at < utcnow() + timedelta(days=60),
        )
    )
    assert soon >= 3  # the other sign-offs and checks run on their statutory clock


def test_a_city_level_project_is_located_in_donghe(shown):
    city = [p for p in shown if p.level == OrgLevel.CITY]
    assert [(p.region.name, p.stage) for p in city] == [("东河区", "construction")]


def test_projects_under_way_have_progress_reports_and_site_photos(shown):
    for project in shown:
        if project.stage not in ("construction", "acceptance", "performance", "completed"):
            continue
        reports = db.session.scalar(select(func.count()).where(ProgressReport.project_id == project.id))
        photos = db.session.scalar(
            select(func.count()).where(Attachment.project_id == project.id, Attachment.slot == "site_photo")
        )
        assert reports >= 3 and photos == reports, (project.name, reports, photos)


def test_the_showcase_is_added_once(shown):
    showcase.seed()
    db.session.commit()
    again = db.session.scalar(select(func.count()).where(Project.name.contains(showcase.SHOWCASE_MARK)))
    assert again == len(shown) == len(showcase.SHOWCASES)
