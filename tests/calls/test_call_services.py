"""A department opens, edits, publishes and closes a call; its form is checked on the statutory calendar."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.calls.conftest import CLOSES, OPENS, WINDOW_DAYS, call_form
from zerolegwork.audit.models import AuditEvent
from zerolegwork.calls import services
from zerolegwork.calls.errors import CallError, CallFormError, CallNotFoundError
from zerolegwork.calls.models import CallState
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs


def actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("call.%")).order_by(AuditEvent.id))
    )


def test_a_finance_call_is_drafted_published_and_closed_with_audit_events(any_app, people, make_call):
    call = make_call(publish=False)
    assert call.state == CallState.DRAFT and call.issuer.code == "finance"
    assert [s["label"] for s in call.slots] == ["申报书", "可行性研究报告"]
    assert call.funding_source == "central" and call.fund_name == "中央转移支付节能减排资金"
    assert call.scoring_sheet is None
    finance = people["users"]["finance1"]
    services.publish_call(finance, call.id)
    services.close_call(finance, call.id)
    db.session.commit()
    assert call.state == CallState.CLOSED and call.published_at and call.closed_at
    assert actions() == ["call.create", "call.publish", "call.close"]
    from zerolegwork.audit.services import ACTIONS

    assert str(ACTIONS["call.publish"]) == "发布项目征集"  # the audit log names the events


def test_the_window_length_counts_working_days_of_the_statutory_calendar(any_app, people):
    assert services.window_days(OPENS, CLOSES) == WINDOW_DAYS
    # 20 September 2026 is a Sunday worked in exchange for 国庆节 (调休上班)
    assert services.window_days(date(2026, 9, 20), date(2026, 9, 20)) == 1


def test_development_reform_opens_calls_and_other_departments_and_units_do_not(any_app, people):
    assert services.may_issue(people["users"]["ndrc1"])
    assert services.may_issue(people["users"]["finance1_150202"])
    for name in ("env1", "housing1", "unit1", "agency1", "admin"):
        assert not services.may_issue(people["users"][name]), name
        with pytest.raises(CallNotFoundError):
            services.create_call(people["users"][name], call_form())


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"opens_on": "2026-10-09", "closes_on": "2026-09-21"}, "closes_on", "不能早于"),
        ({"opens_on": "2026-10-01"}, "opens_on", "不是法定工作日"),
        ({"closes_on": "2026-10-11"}, "closes_on", "不是法定工作日"),
        ({"opens_on": "21/09/2026"}, "opens_on", "年-月-日"),
        ({"closes_on": "2028-10-09"}, "closes_on", "一年"),
        ({"title": "征" * 201}, "title", "200"),
        ({"title": "   "}, "title", "必填"),
        ({"region_ids": ["999999"]}, "region_ids", "辖区"),
        ({"region_ids": ["x"]}, "region_ids", "辖区"),
        ({"categories": ["不存在的类别"]}, "categories", "列表"),
        ({"funding_source": "moon"}, "funding_source", "列表"),
        ({"slots": "申报书\n申报书"}, "slots", "两次"),
        ({"slots": "附" * 61}, "slots", "60"),
        ({"description": "说" * 4001}, "description", "4000"),
    ],
)
def test_a_bad_call_form_is_refused_with_the_field_and_a_chinese_reason(any_app, people, fields, field, words):
    with pytest.raises(CallFormError) as caught:
        services.create_call(people["users"]["finance1"], call_form(**fields))
    assert field in caught.value.errors, caught.value.errors
    assert words in caught.value.errors[field], caught.value.errors[field]


def test_a_district_department_scopes_a_call_only_inside_its_district(any_app, people):
    regions = orgs.ensure_regions()
    district = people["users"]["finance1_150202"]
    with pytest.raises(CallFormError) as caught:
        services.create_call(district, call_form(region_ids=[str(regions["青山区"].id)]))
    assert "region_ids" in caught.value.errors
    call = services.create_call(district, call_form(region_ids=[str(regions["东河区"].id)]))
    assert call.region_ids == [regions["东河区"].id]


def test_hostile_text_is_kept_as_text_without_control_characters(any_app, people):
    title = '<script>alert(1)</script>=HYPERLINK("x")\u202e\x00征集'
    call = services.create_call(people["users"]["finance1"], call_form(title=title, description="第一行\r\n<b>二</b>"))
    assert call.title == '<script>alert(1)</script>=HYPERLINK("x")征集'
    assert call.description == "第一行\n<b>二</b>"


def test_only_a_draft_is_edited_and_only_by_the_issuing_department(any_app, people, make_call):
    call = make_call(publish=False)
    finance = people["users"]["finance1"]
    services.update_call(finance, call.id, call_form(title="改过的标题"))
    assert call.title == "改过的标题" and call.updated_by_id == finance.id
    for other in ("finance1_150202", "ndrc1", "unit1"):
        with pytest.raises(CallNotFoundError):
            services.update_call(people["users"][other], call.id, call_form())
        with pytest.raises(CallNotFoundError):
            services.publish_call(people["users"][other], call.id)
    # colleagues of the same department keep it too
    services.publish_call(people["users"]["finance_chief"], call.id)
    with pytest.raises(CallError, match="草稿"):
        services.update_call(finance, call.id, call_form())
    with pytest.raises(CallError):
        services.publish_call(finance, call.id)
    assert actions() == ["call.create", "call.update", "call.publish"]


def test_a_call_whose_window_has_passed_is_not_published(any_app, people, make_call, today):
    call = make_call(publish=False)
    today(date(2026, 10, 12))
    with pytest.raises(CallError, match="2026-10-09"):
        services.publish_call(people["users"]["finance1"], call.id)
    with pytest.raises(CallError):
        services.close_call(people["users"]["finance1"], call.id)


def test_units_see_published_calls_covering_their_region_and_never_a_draft(any_app, people, make_call, other_unit):
    regions = orgs.ensure_regions()
    everywhere = make_call()
    kun_only = make_call(title="昆区专项", region_ids=[str(regions["昆区"].id)])
    draft = make_call(publish=False, title="草稿征集")
    unit, other = people["users"]["unit1"], other_unit["user"]
    query = services.CallQuery()
    assert {c.id for c in services.visible_calls(unit, query)} == {everywhere.id}  # unit1 is of 市本级
    assert {c.id for c in services.visible_calls(other, query)} == {everywhere.id}  # 东河区 is not 昆区
    for user in (unit, other):
        with pytest.raises(CallNotFoundError):
            services.get_call(user, draft.id)
        with pytest.raises(CallNotFoundError):
            services.get_call(user, kun_only.id)
    finance = people["users"]["finance1"]
    assert {c.id for c in services.visible_calls(finance, query)} == {everywhere.id, kun_only.id, draft.id}
    assert services.visible_calls(people["users"]["ndrc1"], query) == []
    assert services.visible_calls(people["users"]["agency1"], query) == []
    assert [c.id for c in services.visible_calls(finance, services.CallQuery(state="draft"))] == [draft.id]
    assert [c.id for c in services.visible_calls(finance, services.CallQuery(q="昆区"))] == [kun_only.id]


def test_the_demo_call_is_open_today_with_the_demo_units_applications(any_app, people):
    from zerolegwork.calls import applications, demo
    from zerolegwork.calls.models import ApplicationState

    call = demo.seed()
    db.session.commit()
    assert demo.seed() is None  # once
    assert call.state == CallState.OPEN and services.accepts_today(call) is None
    assert services.window_days(call.opens_on, call.closes_on) >= 20
    rows, total = applications.list_applications(people["users"]["finance1"], call, applications.ApplicationQuery())
    assert total == 3 and [a.state for a in rows].count(ApplicationState.WITHDRAWN) == 1
    assert all(len(a.attachments) == 2 for a in rows)
