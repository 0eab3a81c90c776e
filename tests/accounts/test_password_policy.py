"""The password policy: length, character classes, no user name, no common password."""

from __future__ import annotations

import pytest

from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.orgs import security


@pytest.fixture
def check(app):
    def do(password: str, username: str = "zhangsan") -> list[str]:
        with app.test_request_context():
            return security.check_password(password, username)

    return do


def test_a_long_mixed_uncommon_password_passes(check):
    assert check("Hetao-Plain-7x") == []
    assert check("草原上的风 blows 2026") == []


def test_the_demo_password_satisfies_the_policy(check):
    assert check(DEMO_PASSWORD, "unit1") == []


def test_fewer_than_twelve_characters_are_refused_in_chinese(check):
    assert check("Ab3-defghij") == ["密码长度至少为 12 个字符。"]
    assert check("Ab3-defghijk") == []


def test_more_than_128_characters_are_refused(check):
    assert check("Ab3-" + "x" * 125) == ["密码长度不能超过 128 个字符。"]


@pytest.mark.parametrize(
    "password", ["abcdefghijkl", "abcdefghijk1", "ABCDEFGHIJ-!", "123456789012", "abcdefghij!!", "ABCDEFGHIJK7"]
)
def test_fewer_than_three_character_classes_are_refused(check, password):
    assert check(password) == ["密码须至少包含小写字母、大写字母、数字、符号中的三类。"]


@pytest.mark.parametrize("password", ["abcdefghij1!", "ABCDEFGHij1x", "ABCDEFGHIJ1!", "abcdefghijK!"])
def test_any_three_character_classes_are_enough(check, password):
    assert check(password) == []


def test_the_user_name_must_not_appear_in_any_case(check):
    assert check("x-ZhangSan-2026", "zhangsan") == ["密码不得包含用户名。"]
    assert check("x-zhangsan-2026", "ZhangSan") == ["密码不得包含用户名。"]


@pytest.mark.parametrize("password", ["Aa123456789!", "Password123!", "Qwerty123456!", "P@ssw0rd1234", "1qaz@WSX3edc"])
def test_common_passwords_are_refused_whatever_their_case(check, password):
    assert check(password) == ["该密码过于常见，请另选一个。"]
    assert check(password.swapcase()) == ["该密码过于常见，请另选一个。"]


def test_the_list_of_common_passwords_is_modest_and_lower_case():
    common = security.common_passwords()
    assert 150 <= len(common) <= 400
    assert "aa123456789!" in common and all(p == p.lower() for p in common)


def test_every_broken_rule_is_reported(check):
    assert len(check("zhangsan", "zhangsan")) == 3
