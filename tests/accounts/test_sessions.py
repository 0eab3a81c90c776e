"""Sessions: a new one at sign-in, ended by idleness, by disabling the account, by a password change; cookie flags."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.accounts.conftest import audit_actions, seeded_app, user_named
from zerolegwork.db import utcnow
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.orgs import security
from zerolegwork.orgs.models import User


def sign_in(client, username: str = "unit1", password: str = DEMO_PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def test_signing_in_starts_a_new_session_cookie_and_drops_what_the_old_session_held(bare_app):
    client = bare_app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by someone who fixed the session beforehand"
    before = client.get_cookie("session").value
    resp = sign_in(client)
    assert resp.status_code == 302
    assert "session=" in resp.headers["Set-Cookie"]
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["_user_id"].startswith(str(_user_id(bare_app, "unit1")))
    assert client.get("/").status_code == 200


def test_the_chosen_language_survives_the_new_session(bare_app):
    client = bare_app.test_client()
    client.post("/lang/en")
    sign_in(client)
    with client.session_transaction() as sess:
        assert sess["lang"] == "en"


def test_a_session_idle_for_more_than_thirty_minutes_ends(bare_app):
    client = bare_app.test_client()
    sign_in(client)
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["seen"] = (utcnow() - timedelta(minutes=29)).timestamp()
    assert client.get("/").status_code == 200  # 29 minutes idle: still signed in, and the clock restarts
    with client.session_transaction() as sess:
        sess["seen"] = (utcnow() - timedelta(minutes=31)).timestamp()
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.get("/").status_code == 302  # and it stays ended


def test_disabling_an_account_ends_its_session_at_the_next_request(bare_app):
    client = bare_app.test_client()
    sign_in(client)
    assert client.get("/").status_code == 200
    with bare_app.app_context():
        admin = db.session.scalars(select(User).where(User.username == "admin")).one()
        user = db.session.scalars(select(User).where(User.username == "unit1")).one()
        security.disable_user(user, admin)
        db.session.commit()
        user = user_named("unit1")
        assert not user.active and user.session_epoch == 1
        assert audit_actions(user.id)[-1] == ("user.disabled", {})
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_session_of_a_disabled_account_stays_ended_when_the_account_is_enabled_again(bare_app):
    client = bare_app.test_client()
    sign_in(client)
    with bare_app.app_context():
        user = user_named("unit1")
        security.disable_user(user, user)
        db.session.commit()
        user.active = True
        db.session.commit()
    assert client.get("/").status_code == 302
    assert sign_in(client).status_code == 302  # a fresh sign-in works again
    assert client.get("/").status_code == 200


def test_changing_the_password_ends_the_other_sessions_but_keeps_this_one(bare_app):
    here, elsewhere = bare_app.test_client(), bare_app.test_client()
    sign_in(here)
    sign_in(elsewhere)
    new = "Grassland-Wind-2026"
    resp = here.post("/account/password", data={"current": DEMO_PASSWORD, "new": new, "repeat": new})
    assert resp.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    with bare_app.app_context():
        assert user_named("unit1").session_epoch == 1


def test_cookies_are_http_only_same_site_lax_and_secure_in_production(tmp_path):
    app = seeded_app(tmp_path, env="production", secret_key="p" * 40)
    client = app.test_client()
    resp = sign_in(client)
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_cookies_are_not_marked_secure_in_development_over_plain_http(bare_app):
    cookie = sign_in(bare_app.test_client()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def _user_id(app, username: str) -> int:
    with app.app_context():
        return user_named(username).id
