"""A background job that exhausted its retries is an incident: listed on 异常处理, retried by an analyst (audited)."""

from __future__ import annotations

from sqlalchemy import select

from tests.jobs.test_outbox_inline import FLAKY
from zerolegwork import jobs
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState
from zerolegwork.notify.models import Notification


def given_up(monkeypatch) -> OutboxJob:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(jobs.JOBS, "flaky", "tests.jobs.test_outbox_inline:flaky_job")
    monkeypatch.setitem(FLAKY, "fail", True)
    row = jobs.enqueue("flaky", token="重发测试")
    db.session.commit()
    jobs.dispatch_committed()
    for _ in range(jobs.MAX_ATTEMPTS + 1):
        jobs.run_pending_inline()
    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).state == OutboxState.FAILED
    return row


def test_a_job_that_failed_for_good_is_listed_and_an_analyst_sends_it_again(client, login, people, monkeypatch):
    row = given_up(monkeypatch)
    login("analyst")
    html = client.get("/processes/incidents").get_data(as_text=True)
    assert f'data-testid="failed-job-{row.id}"' in html and "flaky job failed on purpose" in html
    monkeypatch.setitem(FLAKY, "fail", False)  # the cause is fixed
    done = client.post(f"/processes/jobs/{row.id}/retry", follow_redirects=True)
    assert "后台任务已重新发送。" in done.get_data(as_text=True)
    db.session.expire_all()
    job = db.session.get(OutboxJob, row.id)
    assert job.state == OutboxState.DONE and job.attempts == 1  # a fresh set of attempts, run once
    assert db.session.scalars(select(Notification).where(Notification.message == "重发测试")).one()
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retry")).all()
    assert event.detail["attempts"] == jobs.MAX_ATTEMPTS and "on purpose" in event.detail["error"]
    again = client.post(f"/processes/jobs/{row.id}/retry", follow_redirects=True)
    assert "只有多次重试仍失败的后台任务可以重试。" in again.get_data(as_text=True)


def test_no_failed_job_says_so(client, login, people):
    login("analyst")
    assert 'data-testid="failed-jobs-empty"' in client.get("/processes/incidents").get_data(as_text=True)


def test_only_analysts_retry_jobs_and_a_missing_job_is_404(client, login, people, monkeypatch):
    row = given_up(monkeypatch)
    for username in ("unit1", "finance1"):
        login(username)
        assert client.post(f"/processes/jobs/{row.id}/retry").status_code == 404
    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).state == OutboxState.FAILED
    login("analyst")
    assert client.post("/processes/jobs/999999/retry").status_code == 404
