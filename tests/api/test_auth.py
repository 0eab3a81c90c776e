"""Token authentication: no token, a bad, revoked or expired one answer 401; a browser session does not count."""

from __future__ import annotations

from sqlalchemy import select

from tests.api.conftest import expire
from tests.conftest import make_settings
from zerolegwork import create_app
from zerolegwork.api import tokens
from zerolegwork.api.models import ApiToken, TokenScope
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User

PROJECTS = "/api/v1/projects"


def test_a_good_token_reads_and_no_session_cookie_is_set(api, people, finance_token):
    resp = api("GET", PROJECTS, finance_token)
    assert resp.status_code == 200
    assert resp.json["total"] == 3
    assert "Set-Cookie" not in resp.headers


def test_no_token_answers_401_in_chinese_with_a_bearer_challenge(api, people):
    resp = api("GET", PROJECTS)
    assert resp.status_code == 401
    assert resp.json["status"] == 401
    assert "令牌" in resp.json["error"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Set-Cookie" not in resp.headers


def test_an_unknown_or_malformed_token_answers_401(api, people, finance_token):
    assert api("GET", PROJECTS, finance_token[:-2] + "xx").status_code == 401
    assert api("GET", PROJECTS, "not-ours").status_code == 401
    basic = api("GET", PROJECTS, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401


def test_a_revoked_token_answers_401_at_once(api, people, finance_token):
    assert api("GET", PROJECTS, finance_token).status_code == 200
    row = db.session.scalars(select(ApiToken)).one()
    tokens.revoke_token(row.id)
    db.session.commit()
    resp = api("GET", PROJECTS, finance_token)
    assert resp.status_code == 401
    assert resp.json["error"] == "令牌已被吊销。"


def test_an_expired_token_answers_401(api, people, finance_token):
    expire(finance_token)
    resp = api("GET", PROJECTS, finance_token)
    assert resp.status_code == 401
    assert resp.json["error"] == "令牌已过期。"


def test_a_token_of_a_disabled_account_answers_401(api, people, finance_token):
    db.session.scalars(select(User).where(User.username == "api.finance")).one().active = False
    db.session.commit()
    assert api("GET", PROJECTS, finance_token).status_code == 401


def test_only_the_sha256_of_a_token_is_kept_and_its_use_is_noted(api, people, finance_token):
    row = db.session.scalars(select(ApiToken)).one()
    assert row.token_sha256 == tokens.digest(finance_token)
    assert finance_token not in (row.prefix, row.name, row.token_sha256)
    assert finance_token.startswith(row.prefix)
    api("GET", PROJECTS, finance_token)
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_a_read_only_token_may_not_import_budget_arrangements(api, issue, people):
    token = issue("finance", (TokenScope.READ,))
    resp = api("POST", "/api/v1/budget-arrangements", token, json=[])
    assert resp.status_code == 403
    assert "budget:write" in resp.json["error"]


def test_budget_write_is_refused_to_an_organisation_that_is_not_a_finance_department(app, people):
    import pytest

    from zerolegwork.api.errors import TokenIssueError

    with pytest.raises(TokenIssueError):
        tokens.issue_token("ndrc", "发改", (TokenScope.READ, TokenScope.BUDGET_WRITE))


def test_a_signed_in_browser_without_a_token_is_refused_and_its_cookie_is_not_used(app, client, login, people):
    login("finance1")
    assert client.get("/projects/").status_code == 200
    resp = client.get(PROJECTS)
    assert resp.status_code == 403
    assert "Set-Cookie" not in resp.headers
    resp = client.post("/api/v1/budget-arrangements", json=[])
    assert resp.status_code == 403


def test_a_browser_session_and_a_token_act_as_the_token_user_only(app, client, login, people, issue, world):
    token = issue("150202_finance")
    login("finance1")  # the city finance handler sees all three projects
    resp = client.get(PROJECTS, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert resp.json["total"] == 1


def test_the_api_is_exempt_from_csrf_but_pages_are_not(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'csrf.db'}", extra={"WTF_CSRF_ENABLED": True}))
    with app.app_context():
        db.create_all()
        from zerolegwork import demo

        demo.seed()
        _row, token = tokens.issue_token("finance", "财政", (TokenScope.READ, TokenScope.BUDGET_WRITE))
        db.session.commit()
        client = app.test_client()
        assert client.post("/login", data={"username": "finance1", "password": "x"}).status_code == 400
        resp = client.post("/api/v1/budget-arrangements", json=[], headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.json
        db.session.remove()


def test_issuing_a_token_creates_one_service_account_per_organisation(app, people, issue):
    issue("finance", name="一")
    issue("finance", name="二")
    accounts = db.session.scalars(select(User).where(User.username == "api.finance")).all()
    assert len(accounts) == 1
    assert {t.user_id for t in db.session.scalars(select(ApiToken))} == {accounts[0].id}
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "api_token.create")) is not None


def test_a_token_may_act_as_a_named_person_of_its_organisation(api, people, issue):
    import pytest

    from zerolegwork.api.errors import TokenIssueError

    token = issue("finance", username="finance1")
    assert api("GET", PROJECTS, token).status_code == 200
    with pytest.raises(TokenIssueError):
        tokens.issue_token("finance", "别人", username="unit1")
