"""Reminders: who is told what, in the bell and by e-mail through a real SMTP server; near-limit and escalation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.engine.test_department_chains import answer, post, two_level_chain
from tests.helpers import ready_tasks, submit
from zerolegwork import jobs, timers
from zerolegwork.db import utcnow
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.notify import services as notify
from zerolegwork.notify.models import MailState, Notification, OutgoingMail


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(app) -> Iterator[Inbox]:
    """A real SMTP server on a free local port, configured as the platform's mail server."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = app.config["ZLW"]
    settings.smtp_host, settings.smtp_port = "127.0.0.1", port
    try:
        yield handler
    finally:
        controller.stop()
        settings.smtp_host = ""


def _wants_email(user, *events: str) -> None:
    notify.set_preferences(user, f"{user.username}@example.gov.cn", {e: (True, True) for e in events})
    db.session.commit()


def _run_jobs() -> None:
    """Run queued jobs, and the jobs they queue (a notification queues its e-mails)."""
    for _ in range(3):
        db.session.commit()
        jobs.run_pending_inline()


def test_a_task_arriving_is_mailed_to_who_asked_for_it_and_only_once(app, people, smtp):
    _wants_email(people["users"]["finance1"], "task_ready")
    project = submit(people)
    _run_jobs()
    (task,) = ready_tasks(project.id, "finance")
    mails = db.session.scalars(select(OutgoingMail)).all()
    assert [(m.to_address, m.event, m.state) for m in mails] == [("finance1@example.gov.cn", "task_ready", "sent")]
    assert len(smtp.messages) == 1 and smtp.messages[0].rcpt_tos == ["finance1@example.gov.cn"]
    body = smtp.messages[0].content.decode()
    assert "Subject:" in body and str(task.id) in body
    # nobody else asked for e-mail; every department's bell rang
    kinds = db.session.scalars(select(Notification.org_code).where(Notification.kind == "task_ready")).all()
    assert {"finance", "ndrc", "environment", "housing"} <= set(kinds)


def test_without_an_smtp_server_mails_are_kept_not_lost(app, people):
    _wants_email(people["users"]["finance1"], "task_ready")
    submit(people)
    _run_jobs()
    (mail,) = db.session.scalars(select(OutgoingMail)).all()
    assert mail.state == MailState.KEPT


def test_a_return_is_its_own_event_and_can_be_muted_in_the_bell(app, people):
    two_level_chain()
    users = people["users"]
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    inbox.complete(users["finance1"], task.id, answer("经办：同意"))
    db.session.commit()
    from zerolegwork.inbox import actions

    actions.return_level(users["finance_chief"], task.id, "请补充")
    _run_jobs()
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.human_task_id == task.id).order_by(Notification.id)
    ).all()
    assert kinds[-1] == "task_returned"
    before = notify.unread_count("finance")
    notify.set_preferences(users["finance1"], "", {"task_returned": (False, False)})
    db.session.commit()
    assert notify.unread_count("finance", notify.muted_events(users["finance1"].id)) < before
    assert post("经办岗").id == db.session.get(HumanTask, task.id).post_id


def test_preferences_refuse_a_bad_address_and_email_without_one(app, people):
    user = people["users"]["finance1"]
    for address, choices in [
        ("not-an-address", {}),
        ("a@b", {}),
        ("x" * 250 + "@a.cn", {}),
        ("", {"task_ready": (True, True)}),
    ]:
        with pytest.raises(notify.PreferenceError):
            notify.set_preferences(user, address, choices)
    db.session.rollback()
    assert notify.preferences_of(user.id)["task_ready"] == (True, False)


def test_near_limit_tasks_are_told_once(app, people, smtp):
    _wants_email(people["users"]["finance1"], "near_limit")
    project = submit(people)
    _run_jobs()
    (task,) = ready_tasks(project.id, "finance")
    db.session.execute(update(HumanTask).where(HumanTask.id == task.id).values(due_at=utcnow() + timedelta(hours=2)))
    db.session.commit()
    assert timers.warn_near_limit() >= 1
    assert timers.warn_near_limit() == 0
    _run_jobs()
    near = db.session.scalars(select(OutgoingMail).where(OutgoingMail.event == "near_limit")).all()
    assert [m.human_task_id for m in near] == [task.id]
    assert any(m.rcpt_tos == ["finance1@example.gov.cn"] for m in smtp.messages)


def test_an_overdue_task_goes_up_to_the_post_above_once(app, people):
    two_level_chain()
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    assert task.post_id == post("经办岗").id
    db.session.execute(update(HumanTask).where(HumanTask.id == task.id).values(due_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    timers.sweep()
    timers.sweep()
    db.session.refresh(task)
    assert task.post_id == post("科长岗").id and task.escalated_at is not None and task.state == "ready"
    assert task.chain == [post("科长岗").id]  # the chief acts at this step; nothing after it twice
    _run_jobs()
    kinds = db.session.scalars(select(Notification.kind).where(Notification.human_task_id == task.id)).all()
    assert kinds.count("escalated") == 1
    inbox.complete(people["users"]["finance_chief"], task.id, answer("科长：逾期督办，同意"))
    db.session.commit()
    db.session.refresh(task)
    assert task.state == "completed"


def test_the_preferences_page_saves_choices(client, login, people):
    login("finance1")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'data-testid="preferences-form"' in page
    resp = client.post(
        "/notifications/preferences",
        data={"email": "f1@example.gov.cn", "email-task_ready": "1", "in_app-task_ready": "1"},
    )
    assert resp.status_code == 302
    prefs = notify.preferences_of(people["users"]["finance1"].id)
    assert prefs["task_ready"] == (True, True) and prefs["near_limit"] == (False, False)
    resp = client.post(
        "/notifications/preferences", data={"email": "坏地址", "email-task_ready": "1"}, follow_redirects=True
    )
    assert "有效的电子邮件地址" in resp.get_data(as_text=True)
