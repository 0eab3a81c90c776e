"""An expert signs in and reads only the panels they are on and their own account: every GET endpoint walked."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.experts.conftest import PASSWORD
from zerolegwork.experts import accounts
from zerolegwork.experts.errors import FormError
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, OrgKind, User
from zerolegwork.permissions import EXPERT_ENDPOINTS, POLICY, Rule
from zerolegwork.projects.models import Project

# a page may be about the expert's own panel, and the own account; nothing else may name another's data
OWN_PAGES = {"panels.detail", "panels.declare", "panels.score", "panels.result", "panels.mine", "panels.index"}


def test_a_region_administrator_creates_an_expert_account_in_the_regions_pool_organisation(
    app, subject, pool, draw_panel
):
    expert = pool[0]
    form = {"username": "zhuanjia01", "password": PASSWORD, "password_repeat": PASSWORD}
    for bad, field in (
        ({**form, "username": "1x"}, "username"),
        ({**form, "username": "unit1"}, "username"),
        ({**form, "password": "short", "password_repeat": "short"}, "password"),
        ({**form, "password_repeat": "Other-2026!x"}, "password_repeat"),
    ):
        try:
            accounts.create_account(subject["admin"], expert.id, bad)
        except FormError as exc:
            assert field in exc.errors
        else:
            raise AssertionError(bad)
    user = accounts.create_account(subject["admin"], expert.id, form)
    db.session.commit()
    assert user.org.kind == OrgKind.EXPERT and user.org.name.endswith("专家库")
    assert expert.user_id == user.id and accounts.expert_of(user) == expert
    handler = db.session.scalars(select(User).where(User.username == "finance1")).one()
    try:
        accounts.create_account(handler, pool[1].id, {**form, "username": "zhuanjia02"})
    except LookupError:
        pass
    else:
        raise AssertionError("a handler created an account")


def test_the_pool_page_creates_the_account(client, login, subject, pool):
    login("admin")
    resp = client.post(
        f"/experts/{pool[0].id}/account",
        data={"username": "zhuanjia09", "password": PASSWORD, "password_repeat": PASSWORD},
    )
    assert resp.status_code == 303
    assert "已有账号" in client.get("/experts/?q=造价专家0").get_data(as_text=True)
    login("finance1")
    assert client.post(f"/experts/{pool[1].id}/account", data={"username": "zhuanjia10"}).status_code == 404
    login("zhuanjia09", PASSWORD)
    assert "我的评审" in client.get("/panels/mine").get_data(as_text=True)


def test_an_expert_user_reads_nothing_but_their_own_panels_on_every_get_endpoint(
    app, client, login, subject, pool, draw_panel, seat_users
):
    mine = draw_panel({"造价": 1}, title="我参加的评审")
    other = draw_panel({"结构": 1}, title="别人的评审")
    (me,) = seat_users(mine)
    seat_users(other)
    secrets_ = [p.name for p in db.session.scalars(select(Project))]
    secrets_ += [o.name for o in db.session.scalars(select(Organisation).where(Organisation.kind != OrgKind.EXPERT))]
    secrets_ += ["别人的评审", other.members[0].expert.name, "unit1", "finance1"]
    login(me.username, PASSWORD)
    tried, leaks, binaries = 0, [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or POLICY[rule.endpoint] == Rule.PUBLIC:
            continue
        candidates = [mine.id, other.id, 1, 2, 3] if rule.arguments else [None]
        for value in candidates:
            url = re.sub(r"<(?:int:)?(\w+)>", lambda _m, v=value: str(v), rule.rule)
            resp = client.get(url)
            tried += 1
            assert resp.status_code < 500, url
            if rule.endpoint not in EXPERT_ENDPOINTS:
                closed = resp.status_code in (401, 403, 404) or (
                    rule.endpoint == "inbox.index" and resp.headers["Location"].endswith("/panels/mine")
                )
                if not closed:
                    leaks.append(f"{rule.endpoint} {url}: answered {resp.status_code}")
            if resp.status_code != 200:
                continue
            body = resp.get_data().decode("utf-8", errors="replace")
            if resp.mimetype not in ("text/html", "application/json", "text/csv", "text/plain"):
                binaries.append(f"{rule.endpoint} {resp.mimetype}")
            own_page = rule.endpoint in OWN_PAGES and (value in (None, mine.id))
            found = [s for s in secrets_ if s in body and not (own_page and s == subject["project"].name)]
            if found:
                leaks.append(f"{rule.endpoint} {url}: {found}")
    assert tried > 100
    assert leaks == []
    assert binaries == []
