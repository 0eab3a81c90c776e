"""Pushes to the finance system: kept while it is down, sent in order when it is back, none twice."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.files import samples
from zerolegwork.db import utcnow
from zerolegwork.exchange import sender
from zerolegwork.exchange.models import ExchangeAttempt, ExchangeMessage, MessageState, Topic
from zerolegwork.extensions import db
from zerolegwork.funds import services as funds

LATER = timedelta(hours=2)


def pay(people: dict[str, Any], project: Any, amount: str, day: str = "2026-09-01") -> Any:
    form = {"paid_on": day, "amount": amount, "payee": "包头市第一建筑工程有限公司", "source": "central"}
    payment = funds.record_payment(people["users"]["unit1"], project.id, form, ("凭证.pdf", io.BytesIO(samples.PDF)))
    db.session.commit()
    return payment


def messages(topic: str | None = None) -> list[ExchangeMessage]:
    stmt = select(ExchangeMessage).order_by(ExchangeMessage.id)
    if topic:
        stmt = stmt.where(ExchangeMessage.topic == topic)
    return list(db.session.scalars(stmt))


def test_a_payment_becomes_one_message_with_its_figures_and_the_project(app, people):
    project = people["projects"][0]
    payment = pay(people, project, "12.3400")
    (message,) = messages(Topic.PAYMENT_ENTERED)
    assert message.project_id == project.id and message.state == MessageState.PENDING
    data = message.payload["data"]
    assert data["amount"] == "12.3400" and data["payment_id"] == payment.id and data["kind"] == "payment"
    assert message.payload["project"]["code"] == project.code and message.payload["id"] == message.key


def test_a_rolled_back_change_leaves_no_message(app, people):
    project = people["projects"][0]
    before = len(messages())
    form = {"paid_on": "2026-09-01", "amount": "5", "payee": "某公司", "source": "central"}
    funds.record_payment(people["users"]["unit1"], project.id, form, None)
    db.session.rollback()
    assert len(messages()) == before


def test_delivered_messages_carry_the_key_and_token_and_are_never_sent_again(app, people, endpoint):
    project = people["projects"][0]
    pay(people, project, "1")
    total = len(messages())
    assert sender.deliver_due() == total
    assert len(endpoint.received) == total and len(endpoint.accepted) == total
    assert all(h["Authorization"] == "Bearer s3cret-token" for h in endpoint.headers)
    assert {k for k, _b in endpoint.received} == {m.key for m in messages()}
    assert sender.deliver_due(utcnow() + LATER) == 0
    assert len(endpoint.received) == total
    assert all(m.state == MessageState.DELIVERED for m in messages())


def test_the_endpoint_down_keeps_every_message_and_sends_each_once_when_back(app, people, endpoint):
    project = people["projects"][0]
    endpoint.stop()
    for amount in ("1", "2", "3"):
        pay(people, project, amount)
    assert sender.deliver_due() == 0
    kept = messages()
    assert kept and all(m.state == MessageState.PENDING for m in kept)
    first = [m for m in kept if m.attempts]
    # one refused attempt per project: the later messages of a project wait behind its first
    assert len(first) == len({m.project_id for m in kept})
    attempt = db.session.scalars(select(ExchangeAttempt)).first()
    assert attempt is not None and attempt.status_code is None and "Connection" in (attempt.error or "")
    assert sender.deliver_due() == 0  # not due yet: backing off
    assert db.session.scalar(select(func.count()).select_from(ExchangeAttempt)) == len(first)
    endpoint.start()
    assert sender.deliver_due(utcnow() + LATER) == len(kept)
    assert len(endpoint.received) == len(kept) == len(endpoint.accepted)
    amounts = [b["data"]["amount"] for _k, b in endpoint.received if b["topic"] == Topic.PAYMENT_ENTERED]
    assert amounts == ["1.0000", "2.0000", "3.0000"]  # in the order they were entered
    assert sender.deliver_due(utcnow() + 2 * LATER) == 0


def test_an_error_answer_is_logged_with_its_body_and_backs_off(app, people, endpoint):
    pay(people, people["projects"][0], "1")
    endpoint.answer = 503
    assert sender.deliver_due() == 0
    attempt = db.session.scalars(select(ExchangeAttempt).order_by(ExchangeAttempt.id)).first()
    assert attempt.status_code == 503 and '"ok": false' in attempt.response_body
    assert '"topic": "' in attempt.request_body
    message = db.session.get(ExchangeMessage, attempt.message_id)
    assert message.state == MessageState.PENDING and message.last_error == "HTTP 503"
    assert message.next_attempt_at > utcnow() + timedelta(seconds=20)


def test_backoff_doubles_to_an_hour():
    assert [sender.delay_after(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert sender.delay_after(20) == timedelta(hours=1)


def test_out_of_attempts_a_message_fails_and_an_analyst_replays_it(app, people, endpoint, client, login):
    pay(people, people["projects"][0], "1")
    endpoint.answer = 500
    now = utcnow()
    for _n in range(sender.MAX_ATTEMPTS):
        now += LATER
        sender.deliver_due(now)
    failed = [m for m in messages() if m.state == MessageState.FAILED]
    assert failed and all(m.attempts == sender.MAX_ATTEMPTS for m in failed)
    target = failed[0]
    login("unit1")
    assert client.post(f"/exchange/{target.id}/replay").status_code in (302, 403, 404)
    assert db.session.get(ExchangeMessage, target.id).state == MessageState.FAILED
    login("analyst")
    page = client.get(f"/exchange/{target.id}").get_data(as_text=True)
    assert 'data-testid="replay"' in page and page.count('data-testid="attempt"') == sender.MAX_ATTEMPTS
    endpoint.answer = 200
    assert client.post(f"/exchange/{target.id}/replay").status_code == 302
    db.session.expire_all()
    replayed = db.session.get(ExchangeMessage, target.id)
    assert replayed.state in (MessageState.PENDING, MessageState.DELIVERED) and replayed.attempts in (0, 1)
    sender.deliver_due(utcnow() + LATER)
    db.session.expire_all()
    assert db.session.get(ExchangeMessage, target.id).state == MessageState.DELIVERED
    assert client.post(f"/exchange/{target.id}/replay").status_code == 302  # delivered: refused with a message
    assert db.session.get(ExchangeMessage, target.id).state == MessageState.DELIVERED


def test_two_senders_at_once_send_each_message_once(app, people, endpoint):
    import threading

    for amount in ("1", "2"):
        pay(people, people["projects"][1], amount)
    total = len(messages())
    results: list[int] = []

    def run() -> None:
        with app.app_context():
            results.append(sender.deliver_due())
            db.session.remove()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sender.deliver_due(utcnow() + LATER)
    assert len(endpoint.accepted) == total
    assert len(endpoint.received) == total  # nobody sent a message twice


def test_a_status_change_of_a_project_is_pushed(app, people):
    project = people["projects"][0]
    db.session.query(ExchangeMessage).delete()
    db.session.commit()
    project.management_status = "在建"
    db.session.commit()
    (message,) = messages(Topic.PROJECT_STATUS)
    assert message.payload["project"]["management_status"] == "在建"


def test_the_log_lists_filters_and_is_for_analysts_only(app, people, client, login):
    pay(people, people["projects"][0], "7")
    login("finance1")
    assert client.get("/exchange/").status_code in (403, 404)
    login("analyst")
    page = client.get("/exchange/?topic=payment.entered").get_data(as_text=True)
    assert page.count('data-testid="message-row"') == 1
    assert client.get("/exchange/?q=不存在的项目").get_data(as_text=True).count('data-testid="message-row"') == 0
    assert client.get("/exchange/?state=<script>&page=-4").status_code == 200
    assert client.get("/exchange/99999999999").status_code == 404


def test_nothing_is_recorded_without_an_endpoint(app, people):
    import dataclasses

    app.config["ZLW"] = dataclasses.replace(app.config["ZLW"], finance_push_url="")
    before = len(messages())
    pay(people, people["projects"][0], "1")
    assert len(messages()) == before


def test_the_command_sends_what_is_due_and_refuses_without_an_endpoint(app, people, endpoint):
    import dataclasses

    pay(people, people["projects"][0], "1")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["zlw", "exchange-send"])
    assert result.exit_code == 0 and f"delivered {len(messages())} message(s)" in result.output
    app.config["ZLW"] = dataclasses.replace(app.config["ZLW"], finance_push_url="")
    assert runner.invoke(args=["zlw", "exchange-send"]).exit_code != 0


def test_the_sweep_queues_one_delivery_job_for_due_messages(app, people):
    from zerolegwork.jobs.models import OutboxJob

    pay(people, people["projects"][0], "1")
    db.session.query(OutboxJob).delete()
    db.session.commit()
    assert sender.schedule() is True
    assert sender.schedule() is False  # one is queued already
    db.session.commit()
    assert (
        db.session.scalar(select(func.count()).select_from(OutboxJob).where(OutboxJob.job == "exchange_deliver")) == 1
    )
