"""The calendar page: platform administrators see and change it; everyone else gets 404."""

from __future__ import annotations

from datetime import date

import pytest

from zerolegwork.extensions import db
from zerolegwork.workdays.models import CalendarDay


def test_the_administrator_sees_the_year_month_by_month(web_client, sign_in, staff):
    from zerolegwork.workdays import services

    services.set_day(staff["admin"], date(2031, 9, 18), "holiday", "中秋节")
    services.set_day(staff["admin"], date(2031, 9, 21), "workday", "国庆节调休上班")
    db.session.commit()
    sign_in("admin")
    resp = web_client.get("/calendar/?year=2031")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "节假日日历" in page and "九月" in page and "十二月" in page
    assert page.count('data-testid="calendar-day"') == 2
    assert 'data-day="2031-09-18"' in page and "中秋节" in page and "星期四" in page
    assert 'class="table table-sm table-stack mb-0"' in page and 'data-label="日期"' in page
    assert 'data-confirm="确定清除 2031-09-18 吗？' in page  # clearing asks first (static/app.js)


def test_a_year_out_of_range_reads_as_this_year(web_client, sign_in):
    sign_in("admin")
    assert web_client.get("/calendar/?year=99999").status_code == 200
    assert web_client.get("/calendar/?year=abc").status_code == 200


def test_the_administrator_sets_and_clears_a_day(web_client, sign_in):
    sign_in("admin")
    resp = web_client.post("/calendar/change", data={"action": "set", "day": "2031-09-19", "kind": "holiday"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/calendar/?year=2031")
    assert db.session.get(CalendarDay, date(2031, 9, 19)).kind == "holiday"
    resp = web_client.post("/calendar/change", data={"action": "clear", "day": "2031-09-19"})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2031, 9, 19)) is None


def test_a_refused_change_is_explained_in_chinese(web_client, sign_in):
    sign_in("admin")
    resp = web_client.post(
        "/calendar/change",
        data={"action": "set", "day": "2031-09-20", "kind": "holiday"},
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "2031-09-20" in page and "周六或周日" in page
    assert db.session.get(CalendarDay, date(2031, 9, 20)) is None
    resp = web_client.post("/calendar/change", data={"action": "set", "day": "2031-02-30"}, follow_redirects=True)
    assert "YYYY-MM-DD" in resp.get_data(as_text=True)


def test_the_administrator_takes_the_2026_notice(web_client, sign_in):
    sign_in("admin")
    page = web_client.get("/calendar/?year=2026").get_data(as_text=True)
    assert 'data-testid="seed"' in page and "国务院办公厅关于2026年部分节假日安排的通知" in page
    resp = web_client.post("/calendar/change", data={"action": "seed", "year": "2026"}, follow_redirects=True)
    assert "已从国务院通知中导入 25 天" in resp.get_data(as_text=True)
    assert resp.get_data(as_text=True).count('data-testid="calendar-day"') == 25
    assert 'data-testid="seed"' not in web_client.get("/calendar/?year=2027").get_data(as_text=True)


@pytest.mark.parametrize("username", ["finance1", "finance_admin", "admin_150202", "auditor", "unit1"])
def test_anyone_else_gets_404(web_client, sign_in, username):
    sign_in(username)
    assert web_client.get("/calendar/?year=2031").status_code == 404
    resp = web_client.post("/calendar/change", data={"action": "set", "day": "2031-09-19", "kind": "holiday"})
    assert resp.status_code == 404
    assert db.session.get(CalendarDay, date(2031, 9, 19)) is None


def test_signed_out_visitors_are_sent_to_sign_in(web_client):
    resp = web_client.get("/calendar/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
