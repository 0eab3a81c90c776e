"""The panel pages: the department draws and manages, an expert declares and scores, nobody else gets in."""

from __future__ import annotations

from sqlalchemy import select

from tests.experts.conftest import PASSWORD
from zerolegwork.audit.models import AuditEvent
from zerolegwork.experts.models import ReviewPanel, ScoreSheet
from zerolegwork.extensions import db

SCORES = {
    "score_compliance": "18",
    "score_necessity": "18",
    "score_feasibility": "20",
    "score_budget": "16",
    "score_performance": "12",
}


def draw_by_page(client, login, subject, mix="造价:2，结构:1"):
    login("finance1")
    form = {
        "title": "友谊大街评审",
        "project_id": subject["project"].id,
        "mix": mix,
        "sheet_code": "subsidy",
        "aggregation": "mean",
    }
    return client.post("/panels/new", data=form)


def test_the_department_draws_and_sees_the_record_with_seed_candidates_exclusions_and_the_check(
    client, login, subject, pool, add_expert
):
    add_expert("本单位专家", "造价", employer=subject["unit"].name)
    assert "还没有专家组" in (login("finance1") and client.get("/panels/").get_data(as_text=True))
    resp = draw_by_page(client, login, subject)
    assert resp.status_code == 303
    panel = db.session.scalars(select(ReviewPanel)).one()
    page = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    record = page
    assert "随机种子" in page and len(panel.members) == 3
    assert "复核一致" in record and "本单位专家" in page and "工作单位为申报单位" in page
    assert "友谊大街评审" in client.get("/panels/?q=友谊").get_data(as_text=True)
    assert "友谊大街评审" not in client.get("/panels/?state=concluded").get_data(as_text=True)


def test_a_short_pool_is_a_chinese_error_on_the_form_and_nothing_is_drawn(client, login, subject, pool):
    resp = draw_by_page(client, login, subject, mix="造价:15")
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "可抽取的专家不足" in text and "造价" in text and "缺" in text
    assert db.session.scalar(select(ReviewPanel.id)) is None
    resp = draw_by_page(client, login, subject, mix="造价")
    assert resp.status_code == 422 and "专业:人数" in resp.get_data(as_text=True)


def test_decline_and_replace_from_the_page_keeps_the_check_equal(client, login, subject, pool):
    draw_by_page(client, login, subject)
    panel = db.session.scalars(select(ReviewPanel)).one()
    first = panel.members[0]
    resp = client.post(f"/panels/{panel.id}/members/{first.id}/decline", data={"reason": "出差"})
    assert resp.status_code == 303
    page = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert "复核一致" in page and "出差" in page and "替补记录" in page
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "review_panel")))
    assert {"panel.draw", "panel.decline", "panel.replace"} <= actions


def test_an_expert_declares_before_seeing_the_material_then_scores_and_sees_others_only_when_all_have(
    client, login, subject, pool, draw_panel, seat_users
):
    panel = draw_panel({"造价": 2})
    first, second = seat_users(panel, declare=False)
    login(first.username, PASSWORD)
    mine = client.get("/panels/mine").get_data(as_text=True)
    assert "测试评审" in mine and "待签署声明" in mine
    page = client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert subject["project"].name not in page and "签署无利害关系声明后" in page
    assert client.get(f"/panels/{panel.id}/score").status_code == 303
    resp = client.post(f"/panels/{panel.id}/declaration", data={"choice": "no_conflict"})
    assert resp.status_code == 422 and "请勾选确认声明" in resp.get_data(as_text=True)
    client.post(f"/panels/{panel.id}/declaration", data={"choice": "no_conflict", "confirm": "1"})
    assert subject["project"].name in client.get(f"/panels/{panel.id}").get_data(as_text=True)
    bad = client.post(f"/panels/{panel.id}/score", data={**SCORES, "score_budget": "8.55"})
    assert bad.status_code == 422 and "最多一位小数" in bad.get_data(as_text=True)
    assert client.post(f"/panels/{panel.id}/score", data=SCORES).status_code == 303
    result = client.get(f"/panels/{panel.id}/result").get_data(as_text=True)
    assert "全部成员提交评分后" in result and "我的评分" in result
    login(second.username, PASSWORD)
    client.post(f"/panels/{panel.id}/declaration", data={"choice": "no_conflict", "confirm": "1"})
    client.post(f"/panels/{panel.id}/score", data={**SCORES, "score_compliance": "20"})
    result = client.get(f"/panels/{panel.id}/result").get_data(as_text=True)
    assert "86.00" in result and "84.00" in result and "85.00" in result  # 84, 86 → mean 85
    login("finance1")
    assert client.post(f"/panels/{panel.id}/conclude", data={"conclusion": "通过"}).status_code == 303
    login(second.username, PASSWORD)
    late = client.post(f"/panels/{panel.id}/score", data={**SCORES, "score_compliance": "19"})
    assert late.status_code == 409 and "不能再修改" in late.get_data(as_text=True)
    assert sorted(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "review_panel"))
    ) == sorted(
        ["panel.draw", "panel.declaration", "panel.declaration", "panel.score", "panel.score", "panel.conclude"]
    )


def test_an_expert_declaring_a_conflict_is_replaced(client, login, subject, pool, draw_panel, seat_users):
    panel = draw_panel({"造价": 1})
    (user,) = seat_users(panel, declare=False)
    login(user.username, PASSWORD)
    resp = client.post(f"/panels/{panel.id}/declaration", data={"choice": "conflict", "reason": "曾任该单位顾问"})
    assert resp.status_code == 303
    db.session.expire_all()
    panel = db.session.get(ReviewPanel, panel.id)
    assert len(panel.members) == 2 and panel.members[0].state == "declined"
    assert "曾任该单位顾问" in panel.members[0].decline_reason
    assert "您已不在本专家组" in client.get(f"/panels/{panel.id}").get_data(as_text=True)
    assert client.get(f"/panels/{panel.id}/score").status_code == 404


def test_an_expert_on_panel_a_cannot_open_panel_b_and_a_unit_cannot_open_panels(
    client, login, subject, pool, draw_panel, seat_users
):
    a = draw_panel({"造价": 1})
    b = draw_panel({"结构": 1})
    (user_a,) = seat_users(a)
    seat_users(b)
    member_b = b.members[0]
    login(user_a.username, PASSWORD)
    urls = [
        f"/panels/{b.id}",
        f"/panels/{b.id}/declaration",
        f"/panels/{b.id}/score",
        f"/panels/{b.id}/result",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/panels/{b.id}/score", data=SCORES).status_code == 404
    assert client.post(f"/panels/{b.id}/declaration", data={"choice": "conflict", "reason": "x"}).status_code == 404
    assert client.post(f"/panels/{a.id}/members/{a.members[0].id}/decline").status_code == 404
    assert client.post(f"/panels/{a.id}/conclude").status_code == 404
    assert client.get("/panels/new").status_code == 404
    for username in ("unit1", "agency1"):
        login(username)
        for url in [*urls, f"/panels/{a.id}", "/panels/", "/panels/new"]:
            assert client.get(url).status_code == 404, (username, url)
        assert client.post(f"/panels/{b.id}/members/{member_b.id}/decline").status_code == 404
    login("housing1")  # another department did not draw these panels
    assert client.get(f"/panels/{a.id}").status_code == 404
    assert client.post(f"/panels/{a.id}/conclude").status_code == 404
    assert db.session.scalar(select(ScoreSheet.id)) is None
