"""Units apply to a call within its window, with their own projects in its scope and every attachment; and withdraw."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.calls.conftest import files_for
from tests.files import samples
from zerolegwork.audit.models import AuditEvent
from zerolegwork.calls import applications
from zerolegwork.calls.errors import CallError, CallNotFoundError
from zerolegwork.calls.models import ApplicationState, CallApplication
from zerolegwork.extensions import db
from zerolegwork.files.errors import UploadError
from zerolegwork.files.models import Attachment
from zerolegwork.orgs import services as orgs
from zerolegwork.projects.errors import ProjectFormError
from zerolegwork.projects.models import Project


def test_a_unit_applies_with_its_own_project_and_the_attachments_are_stored_as_evidence(
    any_app, people, make_call, today
):
    call = make_call()
    today(date(2026, 9, 21))
    unit, project = people["users"]["unit1"], people["projects"][0]
    application = applications.apply(unit, call.id, project.id, files_for(call))
    db.session.commit()
    assert application.state == ApplicationState.SUBMITTED and application.unit_id == unit.org_id
    assert set(application.attachments) == {"s1", "s2"}
    stored = db.session.get(Attachment, application.attachments["s1"])
    assert stored.project_id == project.id and stored.slot == f"call{call.id}_s1" and stored.size == len(samples.PDF)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "call.apply")).one()
    assert event.detail["project"] == project.id and event.detail["call"] == call.id


def test_an_application_registers_a_new_project_through_the_project_registration(any_app, people, make_call, today):
    call = make_call()
    today(date(2026, 10, 9))  # the closing day itself still counts
    regions = orgs.ensure_regions()
    form = {
        "name": "昆区节能路灯改造",
        "region_id": str(regions["昆区"].id),
        "category": "市政道路",
        "industry_type": "市政公用",
        "investment_policy": "一般公共预算",
        "construction_mode": "改建",
        "investment_mode": "直接投资",
        "management_status": "储备",
        "competent_department_id": str(orgs.org_by_code("housing").id),
        "planned_investment": "320.5",
        "start_year": "2026",
        "end_year": "2027",
    }
    unit = people["users"]["unit1"]
    application = applications.apply(unit, call.id, None, files_for(call), new_project=form)
    db.session.commit()
    project = db.session.get(Project, application.project_id)
    assert project.name == "昆区节能路灯改造" and project.unit_id == unit.org_id
    assert project.planned_investment == Decimal("320.5000")
    with pytest.raises(ProjectFormError) as caught:
        applications.apply(unit, call.id, None, files_for(call), new_project={**form, "planned_investment": "abc"})
    assert "planned_investment" in caught.value.errors


@pytest.mark.parametrize(
    ("day", "words"),
    [(date(2026, 9, 18), "2026-09-21 起受理"), (date(2026, 10, 10), "2026-10-09 截止，逾期申报不予受理")],
)
def test_an_application_before_the_window_opens_or_after_it_closes_is_refused(
    any_app, people, make_call, today, day, words
):
    call = make_call()
    today(day)
    with pytest.raises(CallError, match=words):
        applications.apply(people["users"]["unit1"], call.id, people["projects"][0].id, files_for(call))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CallApplication)) == 0


def test_a_closed_call_refuses_applications_even_inside_its_window(any_app, people, make_call, today):
    from zerolegwork.calls import services

    call = make_call()
    services.close_call(people["users"]["finance1"], call.id)
    db.session.commit()
    today(date(2026, 9, 22))
    with pytest.raises(CallError, match="已截止"):
        applications.apply(people["users"]["unit1"], call.id, people["projects"][0].id, files_for(call))


def test_a_project_outside_the_calls_regions_or_categories_is_refused(any_app, people, make_call, today, other_unit):
    from zerolegwork.projects import services as projects

    regions = orgs.ensure_regions()
    by_region = make_call(region_ids=[str(regions["东河区"].id)])
    by_category = make_call(categories=["生态环保"])
    today(date(2026, 9, 22))
    other = other_unit["user"]  # of 东河区: it sees both calls
    kun_project = projects.create_project(None, "另一单位在昆区的项目", other.org_id, "昆区", "生态环保", Decimal("80"))
    with pytest.raises(CallError, match="项目所在地区（昆区）不在本次征集的范围内"):
        applications.apply(other, by_region.id, kun_project.id, files_for(by_region))
    with pytest.raises(CallError, match="项目类别（城市更新）不在本次征集的类别（生态环保）之内"):
        applications.apply(other, by_category.id, other_unit["project"].id, files_for(by_category))
    assert [p.id for p in applications.applicable_projects(other, by_region)] == [other_unit["project"].id]
    assert [p.id for p in applications.applicable_projects(other, by_category)] == [kun_project.id]
    applications.apply(other, by_region.id, other_unit["project"].id, files_for(by_region))
    applications.apply(other, by_category.id, kun_project.id, files_for(by_category))


def test_a_second_application_of_the_same_project_is_refused_and_after_withdrawal_it_reopens(
    any_app, people, make_call, today
):
    call = make_call()
    today(date(2026, 9, 22))
    unit, project = people["users"]["unit1"], people["projects"][0]
    first = applications.apply(unit, call.id, project.id, files_for(call))
    db.session.commit()
    with pytest.raises(CallError, match="不能重复申报"):
        applications.apply(unit, call.id, project.id, files_for(call))
    db.session.rollback()
    applications.withdraw(unit, first.id)
    db.session.commit()
    assert first.state == ApplicationState.WITHDRAWN and first.withdrawn_at is not None
    again = applications.apply(unit, call.id, project.id, files_for(call))
    db.session.commit()
    assert again.id == first.id and again.state == ApplicationState.SUBMITTED and again.withdrawn_at is None
    assert db.session.scalar(select(func.count()).select_from(CallApplication)) == 1
    kinds = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("call.%")).order_by(AuditEvent.id)
    ).all()
    assert kinds == ["call.create", "call.publish", "call.apply", "call.withdraw", "call.apply"]


def test_a_missing_required_attachment_is_refused_naming_it_and_nothing_is_kept(any_app, people, make_call, today):
    call = make_call()
    today(date(2026, 9, 22))
    unit, project = people["users"]["unit1"], people["projects"][0]
    with pytest.raises(CallError, match="缺少必需附件：可行性研究报告"):
        applications.apply(unit, call.id, project.id, files_for(call, s2=None))
    with pytest.raises(CallError, match="申报书、可行性研究报告"):
        applications.apply(unit, call.id, project.id, {"s1": ("", io.BytesIO(b""))})
    bad = {**files_for(call), "s2": ("脚本.pdf", io.BytesIO(samples.SCRIPT))}
    with pytest.raises(UploadError):
        applications.apply(unit, call.id, project.id, bad)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CallApplication)) == 0


def test_a_unit_applies_only_with_its_own_projects_and_sees_only_its_own_applications(
    any_app, people, make_call, today, other_unit
):
    call = make_call()
    today(date(2026, 9, 22))
    unit, other = people["users"]["unit1"], other_unit["user"]
    with pytest.raises(CallError, match="请选择本单位的项目"):
        applications.apply(other, call.id, people["projects"][0].id, files_for(call))
    mine = applications.apply(unit, call.id, people["projects"][0].id, files_for(call))
    theirs = applications.apply(other, call.id, other_unit["project"].id, files_for(call))
    db.session.commit()
    query = applications.ApplicationQuery()
    assert [a.id for a in applications.list_applications(unit, call, query)[0]] == [mine.id]
    assert [a.id for a in applications.list_applications(other, call, query)[0]] == [theirs.id]
    finance = people["users"]["finance1"]
    assert [a.id for a in applications.list_applications(finance, call, query)[0]] == [mine.id, theirs.id]
    for user, foreign in ((unit, theirs), (other, mine)):
        with pytest.raises(CallNotFoundError):
            applications.get_application(user, foreign.id)
        with pytest.raises(CallNotFoundError):
            applications.withdraw(user, foreign.id)
    # the issuing department reads an application but does not withdraw it for the unit
    assert applications.get_application(finance, mine.id) is mine
    with pytest.raises(CallNotFoundError):
        applications.withdraw(finance, mine.id)
    with pytest.raises(CallNotFoundError):
        applications.get_application(people["users"]["finance1_150202"], mine.id)
    assert mine.state == theirs.state == ApplicationState.SUBMITTED


def test_departments_and_agencies_do_not_apply(any_app, people, make_call, today):
    call = make_call()
    today(date(2026, 9, 22))
    for name in ("finance1", "agency1"):
        with pytest.raises(CallNotFoundError):
            applications.apply(people["users"][name], call.id, people["projects"][0].id, files_for(call))


def test_a_withdrawal_after_the_close_is_refused(any_app, people, make_call, today):
    call = make_call()
    today(date(2026, 9, 22))
    unit = people["users"]["unit1"]
    application = applications.apply(unit, call.id, people["projects"][0].id, files_for(call))
    db.session.commit()
    today(date(2026, 10, 10))
    with pytest.raises(CallError, match="逾期"):
        applications.withdraw(unit, application.id)
    assert application.state == ApplicationState.SUBMITTED


def test_the_applications_list_filters_by_state_region_category_and_text(any_app, people, make_call, today, other_unit):
    call = make_call()
    today(date(2026, 9, 22))
    unit = people["users"]["unit1"]
    kun, qingshan, _donghe = people["projects"]
    a1 = applications.apply(unit, call.id, kun.id, files_for(call))
    a2 = applications.apply(unit, call.id, qingshan.id, files_for(call))
    a3 = applications.apply(other_unit["user"], call.id, other_unit["project"].id, files_for(call))
    applications.withdraw(unit, a2.id)
    db.session.commit()
    finance = people["users"]["finance1"]
    regions = orgs.ensure_regions()

    def ids(**kw: object) -> list[int]:
        return [a.id for a in applications.list_applications(finance, call, applications.ApplicationQuery(**kw))[0]]

    assert ids(state="withdrawn") == [a2.id]
    assert ids(region_id=regions["东河区"].id) == [a3.id]
    assert ids(category="市政道路") == [a1.id]
    assert ids(q="另一单位") == [a3.id]  # the unit's name
    assert ids(q=kun.code) == [a1.id]
    assert ids(q="污水") == [a2.id]
    assert ids(q="%") == []  # a wildcard is a plain character
    query = applications.ApplicationQuery.from_args({"state": "bogus", "region_id": "9" * 30, "category": "x"})
    assert query == applications.ApplicationQuery()
