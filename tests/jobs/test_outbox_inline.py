"""The outbox without Redis: jobs run in-process after the commit that queued them, exactly once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from tests.helpers import ready_tasks
from zerolegwork import jobs
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState
from zerolegwork.notify.models import Notification
from zerolegwork.projects.models import Project, ProjectState

# Test-only job switch: flaky_job raises while FLAKY["fail"] is true.
FLAKY = {"fail": True}


def flaky_job(token: str) -> None:
    """Write a notification, then fail while FLAKY says so (the write must roll back with it)."""
    db.session.add(Notification(org_code="flaky", kind="probe", message=token))
    db.session.flush()
    if FLAKY["fail"]:
        raise RuntimeError("flaky job failed on purpose")


def broken_notify(human_task_ids: list[int]) -> int:
    raise RuntimeError("mail server on fire")


def _count(org_code: str, message: str | None = None) -> int:
    stmt = select(func.count(Notification.id)).where(Notification.org_code == org_code)
    if message is not None:
        stmt = stmt.where(Notification.message == message)
    return int(db.session.scalar(stmt) or 0)


def _row(outbox_id: int) -> OutboxJob:
    row = db.session.get(OutboxJob, outbox_id, populate_existing=True)
    assert row is not None
    return row


def test_jobs_run_inline_without_redis(app):
    assert not app.config["ZLW"].redis_url
    token = uuid.uuid4().hex
    row = jobs.enqueue("probe", seconds=0, token=token)
    assert _count("probe", token) == 0
    db.session.commit()
    assert _count("probe", token) == 0, "nothing runs before dispatch"

    assert jobs.dispatch_committed() == 1
    assert _count("probe", token) == 1
    done = _row(row.id)
    assert (done.state, done.attempts, done.relay_count) == (OutboxState.DONE, 1, 0)
    assert done.done_at is not None and done.last_error is None

    assert jobs.execute(row.id) is False, "a done row is never run again"
    assert jobs.dispatch_committed() == 0, "the committed ids were handed out once"
    assert jobs.run_pending_inline() == 0
    assert _count("probe", token) == 1
    assert _row(row.id).attempts == 1


def test_a_rolled_back_enqueue_never_runs(app):
    token = uuid.uuid4().hex
    jobs.enqueue("probe", seconds=0, token=token)
    db.session.rollback()
    assert jobs.dispatch_committed() == 0
    assert db.session.scalar(select(func.count(OutboxJob.id))) == 0
    assert _count("probe", token) == 0


def test_failing_inline_job_stays_in_outbox_and_runs_later(app, monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "flaky", f"{__name__}:flaky_job")
    monkeypatch.setitem(FLAKY, "fail", True)
    token = uuid.uuid4().hex
    # The request's own data and its job commit together.
    db.session.add(Notification(org_code="request", kind="probe", message=token))
    row = jobs.enqueue("flaky", token=token)
    db.session.commit()

    jobs.dispatch_committed()  # must not raise: the failure is recorded on the row

    assert _count("request", token) == 1, "the request's own data is committed anyway"
    assert _count("flaky", token) == 0, "the failed job's writes rolled back"
    failed = _row(row.id)
    assert failed.state == OutboxState.PENDING
    assert failed.attempts == 1
    assert failed.last_error is not None and "RuntimeError: flaky job failed on purpose" in failed.last_error
    assert failed.done_at is None

    assert jobs.run_pending_inline() == 0, "still failing: nothing done"
    assert _row(row.id).attempts == 2

    FLAKY["fail"] = False
    assert jobs.run_pending_inline() == 1
    done = _row(row.id)
    assert (done.state, done.attempts) == (OutboxState.DONE, 3)
    assert _count("flaky", token) == 1
    assert jobs.run_pending_inline() == 0
    assert _count("flaky", token) == 1


def test_a_job_that_keeps_failing_is_given_up_after_max_attempts(app, monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "flaky", f"{__name__}:flaky_job")
    monkeypatch.setitem(FLAKY, "fail", True)
    row = jobs.enqueue("flaky", token="never")
    db.session.commit()
    jobs.dispatch_committed()
    for _ in range(jobs.MAX_ATTEMPTS + 2):
        jobs.run_pending_inline()
    given_up = _row(row.id)
    assert (given_up.state, given_up.attempts) == (OutboxState.FAILED, jobs.MAX_ATTEMPTS)
    assert _count("flaky") == 0


def test_failing_notify_job_does_not_fail_the_submit_request(client, login, people, monkeypatch):
    monkeypatch.setitem(jobs.JOBS, "notify_tasks_ready", f"{__name__}:broken_notify")
    project = people["projects"][0]
    login("unit1")
    resp = client.post(f"/projects/{project.id}/submit")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    db.session.rollback()
    assert db.session.get(Project, project.id, populate_existing=True).state == ProjectState.IN_APPROVAL
    assert len(ready_tasks(project.id)) == 4
    (row,) = db.session.scalars(select(OutboxJob).where(OutboxJob.job == "notify_tasks_ready"))
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert "mail server on fire" in (row.last_error or "")

    monkeypatch.setitem(jobs.JOBS, "notify_tasks_ready", "zerolegwork.notify.services:notify_tasks_ready")
    assert jobs.run_pending_inline() == 1
    notes = list(db.session.scalars(select(Notification).where(Notification.kind == "task_ready")))
    assert sorted(n.org_code for n in notes) == ["environment", "finance", "housing", "ndrc"]


@pytest.mark.parametrize("name", ["no_such_job"])
def test_unknown_jobs_are_refused_at_enqueue(app, name):
    with pytest.raises(KeyError):
        jobs.enqueue(name)
