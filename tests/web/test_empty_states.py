"""Empty lists and charts say so in Chinese; date inputs say their format (a native picker speaks the browser's)."""

from __future__ import annotations

import json
import re

import pytest

from zerolegwork.extensions import db
from zerolegwork.projects.models import Engagement

CHART_WORDS = {
    "empty": "暂无进度数据，填报进度后显示。",
    "noInvestment": "暂无投资完成数据，填报进度后显示。",
    "noFunds": "暂无资金拨付数据，填报进度后显示。",
    "noPercent": "暂无时间和工程量进度，填报进度后显示。",
    "noPhotos": "暂无现场照片，上传形象进度照片后显示。",
}


def chart_words(html: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="project-charts-words">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def test_the_project_page_gives_every_chart_its_chinese_empty_state(client, login, people):
    login("unit1")
    html = client.get(f"/projects/{people['projects'][0].id}").get_data(as_text=True)
    words = chart_words(html)
    assert {k: words[k] for k in CHART_WORDS} == CHART_WORDS


def test_a_project_without_reports_answers_no_periods_so_the_charts_show_their_empty_state(client, login, people):
    login("unit1")
    body = client.get(f"/reports/projects/{people['projects'][0].id}/progress.json").get_json()
    assert body["periods"] == [] and body["photos"] == []


@pytest.mark.parametrize(
    ("username", "url", "testid", "text"),
    [
        ("unit1", "/", "inbox-empty", "暂无待办事项。"),
        ("unit1", "/notifications/", "notifications-empty", "暂无通知。"),
        ("agency1", "/projects/", "projects-empty", "暂无项目。"),
        ("admin", "/registrations/", "registrations-empty", "暂无记录。"),
        ("auditor", "/audit/?action=project.withdraw", "audit-empty", "没有符合条件的审计事件。"),
    ],
)
def test_empty_lists_say_so_in_chinese(client, login, people, username, url, testid, text):
    db.session.query(Engagement).update({"ended_on": db.func.current_date()})
    db.session.commit()
    login(username)
    resp = client.get(url)
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    assert f'data-testid="{testid}"' in html and text in html


def test_every_date_input_says_its_format(client, login, people):
    login("finance1")
    html = client.get("/").get_data(as_text=True)
    assert 'aria-describedby="f-due-hint"' in html and 'id="f-due-hint"' in html
    assert "（年-月-日）" in html
    login("unit1")
    project = people["projects"][0]
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="entry_date-hint"' in html


def test_pages_say_they_are_chinese_and_a_bad_date_is_refused_in_chinese(client, login, people):
    from zerolegwork.engine.forms import FormValidationError, validate_answers

    login("unit1")
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    form = {"fields": [{"name": "issued_on", "type": "date", "required": True, "label": {"zh_CN": "发文日期"}}]}
    with pytest.raises(FormValidationError) as refused:
        validate_answers(form, {"issued_on": "2026/13/01"})
    assert refused.value.errors["issued_on"] == "请按 年-月-日（YYYY-MM-DD）格式输入日期。"
