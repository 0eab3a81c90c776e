"""Rate limits kept in the database: per client address and per user name on sign-in, and for any caller."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.accounts.conftest import audit_actions
from zerolegwork.config import Settings
from zerolegwork.db import utcnow
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.orgs import security
from zerolegwork.orgs.models import RateLimitCounter
from zerolegwork.orgs.security import RateLimitedError


def test_the_limit_refuses_past_its_count_and_resets_with_the_window(app):
    for _ in range(3):
        security.rate_limit("register:ip:10.9.9.9", 3, 60)
    with pytest.raises(RateLimitedError) as refused:
        security.rate_limit("register:ip:10.9.9.9", 3, 60)
    assert 1 <= refused.value.retry_after <= 61
    security.rate_limit("register:ip:10.9.9.10", 3, 60)  # another key has its own count
    db.session.execute(
        update(RateLimitCounter)
        .where(RateLimitCounter.key == "register:ip:10.9.9.9")
        .values(window_start=utcnow() - timedelta(seconds=61))
    )
    security.rate_limit("register:ip:10.9.9.9", 3, 60)
    counter = db.session.scalars(select(RateLimitCounter).where(RateLimitCounter.key == "register:ip:10.9.9.9")).one()
    assert counter.count == 1


def test_the_first_refusal_of_a_window_is_audited_once(app):
    for _ in range(5):
        with contextlib.suppress(RateLimitedError):
            security.rate_limit("register:ip:10.9.9.9", 2, 60)
    assert audit_actions("register:ip:10.9.9.9", "rate_limit") == [("auth.rate_limited", {"limit": 2, "window": 60})]


def test_old_counters_are_purged(app):
    security.rate_limit("old", 5, 60)
    security.rate_limit("new", 5, 60)
    db.session.execute(
        update(RateLimitCounter).where(RateLimitCounter.key == "old").values(window_start=utcnow() - timedelta(days=2))
    )
    assert security.purge_rate_limits() == 1
    assert db.session.scalars(select(RateLimitCounter.key)).all() == ["new"]


def test_the_eleventh_sign_in_from_one_address_in_a_minute_gets_429_in_chinese(client, people):
    for i in range(Settings().login_limit_per_ip):
        assert client.post("/login", data={"username": f"guess{i}", "password": "x-wrong"}).status_code == 401
    resp = client.post("/login", data={"username": "unit1", "password": DEMO_PASSWORD})
    assert resp.status_code == 429
    assert "尝试次数过多" in resp.get_data(as_text=True)
    assert 1 <= int(resp.headers["Retry-After"]) <= 61
    other = client.post(
        "/login", data={"username": "unit1", "password": DEMO_PASSWORD}, environ_base={"REMOTE_ADDR": "10.2.2.2"}
    )
    assert other.status_code == 302  # another address is not held back


def test_one_user_name_gets_at_most_twenty_attempts_an_hour_from_any_addresses(client, people):
    for i in range(Settings().login_limit_per_user):
        resp = client.post(
            "/login", data={"username": "nobody", "password": "x"}, environ_base={"REMOTE_ADDR": f"10.3.0.{i}"}
        )
        assert resp.status_code in (401, 403)
    resp = client.post("/login", data={"username": "nobody", "password": "x"}, environ_base={"REMOTE_ADDR": "10.3.1.1"})
    assert resp.status_code == 429 and "尝试次数过多" in resp.get_data(as_text=True)
