"""The change-password page and the account page."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import audit_actions, user_named
from zerolegwork.demo import DEMO_PASSWORD

NEW = "Yellow-River-Bend-9"


@pytest.fixture
def signed_in(client, login, people):
    login("unit1")
    return client


def change(client, current=DEMO_PASSWORD, new=NEW, repeat=None):
    return client.post(
        "/account/password", data={"current": current, "new": new, "repeat": new if repeat is None else repeat}
    )


@pytest.mark.parametrize("path", ["/account", "/account/password", "/account/totp"])
def test_the_account_pages_speak_chinese_carry_csrf_tokens_and_fit_a_phone(signed_in, path):
    page = signed_in.get(path).get_data(as_text=True)
    assert "账号安全" in page or "修改密码" in page or "设置两步验证" in page
    assert 'name="viewport" content="width=device-width' in page
    assert page.count("<form") == page.count('name="csrf_token"')


def test_the_account_pages_need_sign_in(client):
    for path in ("/account", "/account/password", "/account/totp"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_wrong_current_password_is_refused_and_counts_toward_the_lockout(signed_in):
    resp = change(signed_in, current="not-my-password")
    assert resp.status_code == 400 and "当前密码错误" in resp.get_data(as_text=True)
    user = user_named("unit1")
    assert user.failed_logins == 1
    assert audit_actions(user.id)[-1] == ("auth.login_failed", {"reason": "password_change", "failures": 1})


def test_five_wrong_current_passwords_lock_the_account_and_end_the_session(signed_in):
    for _ in range(4):
        change(signed_in, current="not-my-password")
    resp = change(signed_in, current="not-my-password", new=NEW)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert user_named("unit1").locked_until is not None
    assert signed_in.get("/").status_code == 302


def test_the_new_password_is_checked_against_the_policy_in_chinese(signed_in):
    page = change(signed_in, new="unit1-short").get_data(as_text=True)
    assert "新密码不符合以下要求" in page
    assert "密码长度至少为 12 个字符" in page and "密码不得包含用户名" in page
    page = change(signed_in, new="Password123!").get_data(as_text=True)
    assert "该密码过于常见" in page
    page = change(signed_in, new=NEW, repeat=NEW + "x").get_data(as_text=True)
    assert "两次输入的新密码不一致" in page
    page = change(signed_in, new=DEMO_PASSWORD).get_data(as_text=True)
    assert "新密码不能与当前密码相同" in page
    assert user_named("unit1").password_changed_at is not None
    assert "auth.password_changed" not in [a for a, _ in audit_actions(user_named("unit1").id)]


def test_a_changed_password_is_audited_and_replaces_the_old_one(signed_in, login):
    before = user_named("unit1").password_changed_at
    resp = change(signed_in)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account")
    assert "密码已修改" in signed_in.get("/account").get_data(as_text=True)
    user = user_named("unit1")
    assert user.password_changed_at > before
    assert ("auth.password_changed", {}) in audit_actions(user.id)
    assert login("unit1").status_code == 401
    assert login("unit1", NEW).status_code == 302
