"""Department tasks carry their statutory due date; a 备案 nobody objected to completes by itself."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update

from tests.helpers import ready_tasks, sign
from zerolegwork import timers
from zerolegwork.db import utcnow
from zerolegwork.engine.models import HumanTask
from zerolegwork.engine.routing import TIME_LIMITS
from zerolegwork.engine.sweeps import FILING_ACKNOWLEDGED, SYSTEM_SIGNER
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.workdays.services import add_working_days


def small_road(people):
    unit = people["users"]["unit1"]
    project = projects.create_project(
        "2026-CLOCK-0001", "小型道路维修", unit.org_id, "昆区", "市政道路", Decimal("500")
    )
    projects.submit_for_signoff(unit, project.id)
    db.session.commit()
    return project


def test_each_department_task_is_due_after_its_modes_limit_in_working_days(any_app, people):
    project = small_road(people)
    tasks = {t.org_code: t for t in ready_tasks(project.id)}
    assert tasks["ndrc"].mode == "filing" and tasks["finance"].mode == "approval"
    for task in tasks.values():
        expected = add_working_days(task.created_at, TIME_LIMITS[task.mode])
        assert abs(task.due_at - expected) < timedelta(seconds=5), task.org_code
    assert tasks["ndrc"].due_at < tasks["finance"].due_at


def test_a_filing_nobody_objected_to_is_acknowledged_when_its_time_passes(any_app, people):
    project = small_road(people)
    (filing,) = ready_tasks(project.id, "ndrc")
    assert timers.sweep() == 0  # not due yet
    db.session.execute(
        update(HumanTask).where(HumanTask.id == filing.id).values(due_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    assert timers.sweep() == 1
    assert timers.sweep() == 0  # once
    db.session.refresh(filing)
    assert filing.state == "completed" and filing.completed_by_id is None
    for dept in ["finance", "environment", "housing"]:
        if ready_tasks(project.id, dept):
            result = sign(people, project.id, dept)
    (ndrc,) = [o for o in result.data["opinions"] if o["department"] == "ndrc"]
    assert (
        ndrc["signed_by"] == SYSTEM_SIGNER and ndrc["opinion"] == FILING_ACKNOWLEDGED and ndrc["decision"] == "approve"
    )


def test_an_approval_task_past_its_limit_is_not_completed_by_the_sweep(any_app, people):
    project = small_road(people)
    (task,) = ready_tasks(project.id, "finance")
    db.session.execute(update(HumanTask).where(HumanTask.id == task.id).values(due_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    timers.sweep()
    db.session.refresh(task)
    assert task.state == "ready"
    assert db.session.scalar(select(HumanTask.id).where(HumanTask.id == task.id, HumanTask.due_at < utcnow()))


def test_the_clock_pauses_while_the_matter_is_with_the_unit_for_revision(any_app, people):
    from tests.helpers import revise, submit
    from zerolegwork.workdays.services import extend_for_pause

    project = submit(people)
    first = {t.org_code: t for t in ready_tasks(project.id)}
    sign(people, project.id, "finance", "reject", "请补充资金来源。")
    for code in ("ndrc", "environment", "housing"):
        sign(people, project.id, code)
    (revision,) = ready_tasks(project.id, "demo_unit")
    # the matter has been with the unit for twelve days when it comes back
    returned_at = utcnow() - timedelta(days=12)
    db.session.execute(update(HumanTask).where(HumanTask.id == revision.id).values(created_at=returned_at))
    began = returned_at - timedelta(days=2)
    for t in first.values():
        due = add_working_days(began, TIME_LIMITS[t.mode])
        db.session.execute(update(HumanTask).where(HumanTask.id == t.id).values(created_at=began, due_at=due))
    db.session.commit()
    for t in first.values():
        db.session.refresh(t)
    db.session.commit()
    revise(people, project.id)
    second = {t.org_code: t for t in ready_tasks(project.id)}
    assert set(second) == set(first)
    for code, task in second.items():
        expected = extend_for_pause(first[code].due_at, returned_at, utcnow())
        assert abs(task.due_at - expected) < timedelta(seconds=5), code
        assert task.due_at > first[code].due_at  # the paused working days were added, not a fresh limit
        assert task.due_at < add_working_days(task.created_at, TIME_LIMITS[task.mode])
