"""One online review through its eleven steps in Chromium, with three experts working side by side.

`make run`'s server with the demo: its call (calls/demo.py) holds an application nobody has chosen yet
(the demo's own finished review took the first one). The finance bureau chooses it (确定项目) and works
the review centre's steps from its inbox, the unit answers the questions and the three drawn experts —
each in their own browser, all three pages open at once — sign the declaration and score; the case page
then shows every step done and the archived manifest. Screenshots: test-artifacts/browser/review-*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import DESKTOP, PHONE, Session, fill_login, open_inbox_task, open_session, shot, submit_task
from tests.files import samples
from zerolegwork.calls.demo import TITLE
from zerolegwork.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SCORES = (
    {"compliance": "18", "necessity": "17", "feasibility": "22", "budget": "16", "performance": "12"},
    {"compliance": "16", "necessity": "18", "feasibility": "20", "budget": "18", "performance": "13"},
    {"compliance": "19", "necessity": "15", "feasibility": "21", "budget": "17", "performance": "14"},
)


def _fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f"#f-{name}")
        radio = page.locator(f"#f-{name}-{value}") if re.fullmatch(r"[a-z_]+", value) else page.locator("#none")
        if radio.count():  # a choice: its radio buttons
            radio.check()
        elif field.get_attribute("type") == "checkbox":
            field.check()
        else:
            field.fill(value)


def _upload(page: Any, slot: str, path: Any) -> None:
    form = page.get_by_test_id(f"upload-{slot}")
    form.locator('input[type="file"][name="file"]').first.set_input_files(str(path))
    form.get_by_role("button", name="上传").click()
    expect(form.locator("[data-upload-message]")).to_have_text("已上传。")


@pytest.fixture
def expert_session(server: str, chromium: Any) -> Any:
    """An expert's own browser: experts land on their reviews (/panels/mine), not the inbox."""
    opened: list[Session] = []

    def do(username: str, **options: Any) -> Session:
        s = open_session(chromium, server, **options)
        fill_login(s, username, DEMO_PASSWORD)
        expect(s.page).to_have_url(f"{server}/panels/mine")
        opened.append(s)
        return s

    yield do
    problems = [p for s in opened for p in s.problems]
    for s in opened:
        s.context.close()
    assert not problems, problems


def test_one_review_runs_all_eleven_steps_with_three_experts_in_parallel(session, expert_session, tmp_path):
    finance = session("finance1", **DESKTOP)
    page = finance.page
    page.goto("/calls/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_test_id("call-reviews").click()
    row = page.get_by_test_id("review-row").filter(has=page.get_by_test_id("choose-application")).first
    name = row.locator("td").nth(1).inner_text().splitlines()[0].strip()
    row.get_by_test_id("choose-application").check()
    shot(page, "review-call")
    page.get_by_test_id("start-review").click()
    expect(page.locator(".alert-success")).to_contain_text("提交评审中心")
    assert any("独立评审" in d for d in finance.dialogs), finance.dialogs

    # 2. 接收评审 ... 4. 组建专家, from the review centre's inbox
    open_inbox_task(finance, name, "接收评审")
    _fill(page, {"decision": "accept", "opinion": "材料齐全，接收评审。"})
    submit_task(finance, name, "接收评审")
    open_inbox_task(finance, name, "制定方案", "制定评审方案")
    plan = {"method": "meeting", "mix": "造价两人", "review_starts": "2026-10-12", "review_ends": "2026-10-16"}
    _fill(page, {**plan, "aggregation": "mean", "presentation": "1", "defence": "1", "site_survey": "1"})
    page.get_by_test_id("submit").click()  # a mix the plan cannot read: the field says how to write it
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#f-mix")).to_have_class(re.compile("is-invalid"))
    _fill(page, {"mix": "工程造价:1, 财务:1, 市政道路:1"})
    shot(page, "review-plan")
    submit_task(finance, name, "制定方案")
    open_inbox_task(finance, name, "组建专家", "组建专家组")
    _fill(page, {"confirm_draw": "1"})
    submit_task(finance, name, "组建专家")

    # the panel: three members, their accounts; all three experts open their pages at once
    page.goto("/")
    open_inbox_task(finance, name, "资料评审")
    page.goto("/panels/")
    page.get_by_role("link", name=re.compile(re.escape(name))).first.click()
    expect(page.get_by_test_id("member-row")).to_have_count(3)
    accounts = [a.strip() for a in page.get_by_test_id("member-account").all_inner_texts()]
    assert all(a.startswith("expert") for a in accounts), accounts
    shot(page, "review-panel")
    experts = [expert_session(account, **(PHONE if i == 0 else DESKTOP)) for i, account in enumerate(accounts)]
    for expert in experts:
        expert.page.get_by_test_id("my-panel").filter(has_text=name).click()
        expect(expert.page.get_by_test_id("declaration-needed")).to_be_visible()
        expert.page.get_by_test_id("to-declaration").click()
        expert.page.locator("#d-confirm").check()
        expert.page.get_by_test_id("sign").click()
        expect(expert.page.locator(".alert-success")).to_contain_text("声明")
        expert.page.get_by_test_id("to-score").click()
        expect(expert.page.get_by_test_id("score-form")).to_be_visible()
    for expert, scores in zip(experts, SCORES, strict=True):
        for key, value in scores.items():
            expert.page.locator(f"#score_{key}").fill(value)
    shot(experts[0].page, "review-score-phone")
    for expert in experts:
        expert.page.get_by_test_id("submit-scores").click()
        expect(expert.page.locator(".alert-success")).to_be_visible()

    # 5. 资料评审 … 11. 资料归档
    open_inbox_task(finance, name, "资料评审")
    submit_task(finance, name, "资料评审")
    open_inbox_task(finance, name, "项目陈述")
    _fill(
        page,
        {"session_date": "2026-09-01", "place": "三楼会议室", "minutes": "单位陈述。", "questions": "自筹资金来源？"},
    )
    submit_task(finance, name, "项目陈述")
    unit = session("unit1", **PHONE)
    open_inbox_task(unit, name, "咨询答辩")
    answers = tmp_path / "书面答复.pdf"
    answers.write_bytes(samples.PDF)
    _upload(unit.page, "review_answers", answers)
    _fill(unit.page, {"answers": "自筹资金由年度预算安排。"})
    submit_task(unit, name, "咨询答辩")
    open_inbox_task(finance, name, "实地勘查")
    photo = tmp_path / "现场.png"
    photo.write_bytes(samples.image())
    _upload(page, "review_survey_photo", photo)
    _fill(
        page,
        {
            "survey_date": "2026-09-02",
            "location": "项目现场",
            "latitude": "40.657",
            "longitude": "109.84",
            "findings": "具备条件。",
        },
    )
    submit_task(finance, name, "实地勘查")
    open_inbox_task(finance, name, "综合评定")
    _fill(page, {"verdict": "pass", "recommended_amount": "260", "opinion": "同意通过。"})
    submit_task(finance, name, "综合评定")
    open_inbox_task(finance, name, "结果运用")
    submit_task(finance, name, "结果运用")
    open_inbox_task(finance, name, "资料归档", "资料归档")
    submit_task(finance, name, "资料归档")

    page.goto("/calls/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_test_id("call-reviews").click()
    page.get_by_test_id("review-row").filter(has_text=name).get_by_test_id("review-case-link").click()
    steps = page.get_by_test_id("case-step")
    expect(steps).to_have_count(11)
    expect(page.locator('[data-testid="case-step"][data-status="done"]')).to_have_count(11)
    expect(page.get_by_test_id("case-score")).to_have_text("85.33")
    expect(page.get_by_test_id("case-manifest-digest")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    shot(page, "review-case")
    for expert in experts:  # scores are frozen: after 综合评定 the panel page offers no score form
        expert.page.goto("/panels/mine")
        expert.page.get_by_test_id("my-panel").filter(has_text=name).click()
        expect(expert.page.get_by_test_id("material")).to_be_visible()
        expect(expert.page.get_by_test_id("to-score")).to_have_count(0)
