"""TOTP (RFC 6238) and the second sign-in step of organisations that require it."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.accounts.conftest import audit_actions, user_named
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.orgs import security, totp
from zerolegwork.orgs.models import User

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()  # the RFC 6238 SHA-1 test key
NOW = datetime(2026, 3, 1, 1, 0, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time, code):
    assert security.totp_code(RFC_SECRET, datetime.fromtimestamp(unix_time, UTC)) == code


def test_a_code_is_accepted_one_step_either_side_but_not_two():
    secret = security.new_totp_secret()
    assert len(secret) == 32 and base64.b32decode(secret)
    for steps, accepted in [(-2, False), (-1, True), (0, True), (1, True), (2, False)]:
        assert security.verify_totp(secret, security.totp_code(secret, NOW, steps), NOW) is accepted
    assert not security.verify_totp(secret, "12345", NOW)
    assert not security.verify_totp(secret, "abcdef", NOW)


def test_the_otpauth_uri_names_the_issuer_user_and_parameters():
    uri = security.totp_uri("finance1", "JBSWY3DPEHPK3PXP")
    assert uri.startswith("otpauth://totp/%E9%9B%B6%E8%B7%91%E8%85%BF%3Afinance1?secret=JBSWY3DPEHPK3PXP&")
    assert "algorithm=SHA1&digits=6&period=30" in uri


@pytest.fixture
def at_fixed_time(monkeypatch):
    """Freeze the clock the TOTP check reads."""
    monkeypatch.setattr(security, "utcnow", lambda: NOW)
    monkeypatch.setattr(totp, "utcnow", lambda: NOW)


@pytest.fixture
def finance_requires_totp(people):
    """finance1's department requires a code; finance1 enrolled with a known secret."""
    user = people["users"]["finance1"]
    user.org.require_totp = True
    user.totp_secret = security.new_totp_secret()
    db.session.commit()
    return user.totp_secret


def shown_secret(page: str) -> str:
    return re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def sign_in(client, username="finance1", password=DEMO_PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def test_a_required_code_holds_the_sign_in_until_it_is_right(client, finance_requires_totp, at_fixed_time):
    client.post("/logout")
    resp = sign_in(client)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/code")
    assert client.get("/").status_code == 302  # not signed in yet
    page = client.get("/login/code").get_data(as_text=True)
    assert "两步验证" in page and 'name="csrf_token"' in page and 'autocomplete="one-time-code"' in page

    wrong = security.totp_code(finance_requires_totp, NOW, 3)
    resp = client.post("/login/code", data={"code": wrong})
    assert resp.status_code == 401 and "验证码错误" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert user_named("finance1").failed_logins == 1

    resp = client.post("/login/code", data={"code": security.totp_code(finance_requires_totp, NOW)})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    user = user_named("finance1")
    assert user.failed_logins == 0
    actions = audit_actions(user.id)
    assert actions[-2] == ("auth.login_failed", {"reason": "totp", "failures": 1})
    assert actions[-1] == ("auth.login", {"second_factor": "totp"})


def test_a_user_who_enrolled_gives_a_code_even_where_it_is_not_required(client, people):
    user = people["users"]["unit1"]
    user.totp_secret = security.new_totp_secret()
    db.session.commit()
    assert sign_in(client, "unit1").headers["Location"].endswith("/login/code")


def test_wrong_codes_count_toward_the_lockout(client, finance_requires_totp, at_fixed_time):
    client.post("/logout")
    sign_in(client)
    wrong = security.totp_code(finance_requires_totp, NOW, 5)
    for _ in range(4):
        assert client.post("/login/code", data={"code": wrong}).status_code == 401
    resp = client.post("/login/code", data={"code": wrong}, follow_redirects=True)
    assert "已被锁定" in resp.get_data(as_text=True)
    assert user_named("finance1").locked_until is not None
    # the pending sign-in is gone, and the password alone cannot start another while locked
    assert client.post("/login/code", data={"code": security.totp_code(finance_requires_totp, NOW)}).status_code == 302
    assert client.get("/").status_code == 302
    assert sign_in(client).status_code == 403


def test_the_code_step_expires(client, finance_requires_totp, at_fixed_time):
    client.post("/logout")
    sign_in(client)
    with client.session_transaction() as sess:
        sess["pending_login"] = {**sess["pending_login"], "at": sess["pending_login"]["at"] - 301}
    resp = client.post("/login/code", data={"code": security.totp_code(finance_requires_totp, NOW)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert "登录已超时" in client.get("/login").get_data(as_text=True)


def test_a_user_without_a_secret_sets_one_up_before_signing_in(client, people, at_fixed_time):
    org = people["users"]["finance1"].org
    org.require_totp = True
    db.session.commit()
    client.post("/logout")
    resp = sign_in(client)
    assert resp.headers["Location"].endswith("/login/setup")
    page = client.get("/login/setup").get_data(as_text=True)
    secret = shown_secret(page)
    assert "otpauth://totp/" in page and f"secret={secret}" in page and "设置两步验证" in page
    assert shown_secret(client.get("/login/setup").get_data(as_text=True)) == secret  # the same on reload
    assert client.get("/").status_code == 302

    resp = client.post("/login/setup", data={"code": security.totp_code(secret, NOW, 4)})
    assert resp.status_code == 401 and "验证码错误" in resp.get_data(as_text=True)
    assert user_named("finance1").totp_secret is None
    resp = client.post("/login/setup", data={"code": security.totp_code(secret, NOW)})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200
    user = user_named("finance1")
    assert user.totp_secret == secret
    assert ("auth.totp_enrolled", {}) in audit_actions(user.id)


def test_the_code_page_cannot_be_used_without_a_password_first(client, people):
    client.post("/logout")
    resp = client.post("/login/code", data={"code": "123456"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")


def test_an_administrator_turns_the_requirement_on_and_off_for_the_own_organisation(client, login, people):
    login("finance_admin")
    page = client.get("/account").get_data(as_text=True)
    assert "要求全体人员使用两步验证" in page
    assert client.post("/account/require-totp", data={"required": "1"}).status_code == 302
    org = db.session.scalars(select(User).where(User.username == "finance_admin")).one().org
    db.session.refresh(org)
    assert org.require_totp
    assert client.post("/account/require-totp", data={"required": "0"}).status_code == 302
    db.session.refresh(org)
    assert not org.require_totp
    events = audit_actions(org.id, "organisation")
    assert events == [("org.require_totp", {"required": True}), ("org.require_totp", {"required": False})]


def test_someone_who_is_not_an_administrator_may_not_change_the_requirement(client, login, people):
    login("finance1")
    assert "要求全体人员使用两步验证" not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/require-totp", data={"required": "1"}).status_code in (403, 404)
    db.session.refresh(people["users"]["finance1"].org)
    assert not people["users"]["finance1"].org.require_totp


def test_a_signed_in_user_sets_up_a_code_from_the_account_page(client, login, people, at_fixed_time):
    login("unit1")
    secret = shown_secret(client.get("/account/totp").get_data(as_text=True))
    code = security.totp_code(secret, NOW)
    resp = client.post("/account/totp", data={"password": "wrong-password", "code": code})
    assert resp.status_code == 400 and "当前密码错误" in resp.get_data(as_text=True)
    resp = client.post("/account/totp", data={"password": DEMO_PASSWORD, "code": security.totp_code(secret, NOW, 4)})
    assert resp.status_code == 401 and "验证码错误" in resp.get_data(as_text=True)
    assert client.post("/account/totp", data={"password": DEMO_PASSWORD, "code": code}).status_code == 302
    assert user_named("unit1").totp_secret == secret
    assert "已开启" in client.get("/account").get_data(as_text=True)
