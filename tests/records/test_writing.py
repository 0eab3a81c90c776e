"""Writing records through the services with a real database: typed rows, the project following, versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from tests.records.support import VALID, answers
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project
from zerolegwork.records import services
from zerolegwork.records.errors import RecordProjectMissingError, RecordValidationError
from zerolegwork.records.models import (
    Contract,
    FundingSource,
    InvestmentPlan,
    PerformanceIndicator,
    ProgressReport,
    ProjectInfoRevision,
)


def write(kind, project, actor, task_id=7, **changes):
    return services.write(kind, project.id, answers(kind, **changes), actor.id, task_id)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_every_kind_is_written_as_a_typed_row_naming_project_task_and_actor(kind, project, actor):
    row = write(kind, project, actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(type(row), row.id)
    assert (stored.project_id, stored.task_id, stored.actor_id) == (project.id, 7, actor.id)
    assert stored.created_at.tzinfo is not None
    assert stored.extra == {}
    assert services.records_of(project.id)[kind] == [stored]


def test_a_contract_row_holds_exact_decimals_and_dates(project, actor):
    row = write("contract", project, actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Contract, row.id)
    assert stored.amount == Decimal("876.5432")
    assert (stored.signed_on, stored.end_on) == (date(2026, 6, 1), date(2028, 6, 10))
    assert stored.contract_type == "施工"


def test_project_info_changes_the_project_and_keeps_what_it_was(project, actor):
    old_category = project.category
    revision = write("project_info", project, actor)
    db.session.commit()
    db.session.expire_all()
    changed = db.session.get(Project, project.id)
    assert changed.category == "市政道路"
    assert changed.planned_investment == Decimal("5600.1234")
    assert (changed.start_year, changed.end_year) == (2026, 2028)
    stored = db.session.get(ProjectInfoRevision, revision.id)
    assert stored.before["category"] == old_category
    assert stored.answers["planned_investment"] == "5600.1234"
    assert stored.description == "道路拓宽改造"


def test_project_info_left_blank_keeps_the_projects_values(project, actor):
    before = (project.category, project.management_status, project.planned_investment)
    blank = dict.fromkeys(VALID["project_info"], None) | {"start_year": 2030}
    services.write("project_info", project.id, blank, actor.id, None)
    db.session.commit()
    db.session.expire_all()
    changed = db.session.get(Project, project.id)
    assert (changed.category, changed.management_status, changed.planned_investment) == before
    assert changed.start_year == 2030


def test_a_progress_report_sets_the_projects_cumulative_investment(project, actor):
    write("progress_report", project, actor, period="2026-09", investment_completed="250.0001")
    assert project.cumulative_investment == Decimal("250.0001")
    write("progress_report", project, actor, period="2026-10", investment_completed="300")
    assert project.cumulative_investment == Decimal("300")


def test_correcting_an_earlier_month_does_not_move_the_cumulative_investment_back(project, actor):
    write("progress_report", project, actor, period="2026-10", investment_completed="300")
    write("progress_report", project, actor, period="2026-09", investment_completed="260")
    assert project.cumulative_investment == Decimal("300")


def test_a_report_without_investment_figures_leaves_the_cumulative_investment(project, actor):
    write("progress_report", project, actor, period="2026-09", investment_completed="250")
    write("progress_report", project, actor, period="2026-10", investment_completed=None, funds_disbursed=None)
    db.session.commit()
    assert db.session.get(Project, project.id).cumulative_investment == Decimal("250")
    newest = services.records_of(project.id)["progress_report"][0]
    assert (newest.period, newest.investment_completed) == ("2026-10", None)


def test_each_investment_plan_is_a_new_version_and_the_newest_is_current(project, actor):
    first = write("investment_plan", project, actor)
    second = write(
        "investment_plan",
        project,
        actor,
        total="1200",
        other_cost="249.4999",
        fund_city="600.0001",
    )
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    current = services.current_investment_plan(project.id)
    assert current.id == second.id
    assert {s.source: s.amount for s in current.sources} == {
        "central": Decimal("300"),
        "city": Decimal("600.0001"),
        "bonds": Decimal("299.9999"),
    }
    assert db.session.scalar(select(func.count(FundingSource.id))) == 6


def test_a_project_without_a_plan_has_no_current_plan(project):
    assert services.current_investment_plan(project.id) is None


def test_performance_goals_keep_their_indicators_in_order(project, actor):
    goal = write("performance_goals", project, actor)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(PerformanceIndicator).order_by(PerformanceIndicator.position)).all()
    assert [(r.goal_id, r.name, r.weight) for r in rows] == [
        (goal.id, "通车里程", Decimal("40")),
        (goal.id, "满意度", Decimal("33.3333")),
        (goal.id, "工期", Decimal("26.6667")),
    ]


def test_answers_the_record_has_no_column_for_land_in_extra(project, actor):
    given = answers("acceptance", weather="晴", inspectors=3, signed_by="张三", signed_at="2026-01-01T00:00:00")
    row = services.write("acceptance", project.id, given, actor.id, None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(row), row.id).extra == {"weather": "晴", "inspectors": 3}


def test_an_indicator_column_added_later_lands_in_the_indicators_extra(project, actor):
    rows = [dict(r) for r in VALID["performance_goals"]["indicators"]]
    rows[0]["unit"] = "公里"
    write("performance_goals", project, actor, indicators=rows)
    first = db.session.scalars(select(PerformanceIndicator).order_by(PerformanceIndicator.position)).first()
    assert first.extra == {"unit": "公里"}


def test_write_flushes_and_leaves_the_commit_to_the_caller(project, actor):
    write("contract", project, actor)
    write("progress_report", project, actor)
    db.session.rollback()
    assert services.records_of(project.id)["contract"] == []
    assert db.session.get(Project, project.id).cumulative_investment == Decimal("0")


def test_invalid_answers_raise_and_write_nothing(project, actor):
    with pytest.raises(RecordValidationError) as caught:
        write("investment_plan", project, actor, contingency="50.0002")
    assert set(caught.value.errors) == {"total"}
    db.session.commit()
    assert db.session.scalar(select(func.count(InvestmentPlan.id))) == 0


def test_a_record_for_a_missing_project_is_refused(app, actor):
    with pytest.raises(RecordProjectMissingError):
        services.write("contract", 999_999, VALID["contract"], actor.id, None)


def test_records_of_gives_every_kind_newest_first_in_one_query_per_kind(project, actor):
    for month in ("2026-07", "2026-08", "2026-09"):
        write("progress_report", project, actor, period=month)
    write("investment_plan", project, actor)
    write("investment_plan", project, actor)
    write("performance_goals", project, actor)
    db.session.commit()
    project_id = project.id
    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        found = services.records_of(project_id)
        [len(p.sources) for p in found["investment_plan"]]
        [len(g.indicators) for g in found["performance_goals"]]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert list(found) == list(services.MODELS)
    assert len(statements) <= len(services.KINDS)
    assert [r.period for r in found["progress_report"]] == ["2026-09", "2026-08", "2026-07"]
    assert [p.version for p in found["investment_plan"]] == [2, 1]
    assert len(found["investment_plan"][0].sources) == 3
    assert len(found["performance_goals"][0].indicators) == 3


def test_records_of_a_project_are_not_anothers(projects, actor):
    first, second = projects
    services.write("contract", first.id, VALID["contract"], actor.id, None)
    assert services.records_of(second.id)["contract"] == []
    assert services.records_of(first.id, limit=1)["contract"][0].project_id == first.id


def test_progress_reports_by_period_add_up_in_sql(project, actor):
    write("progress_report", project, actor, period="2026-09", funds_disbursed="100.0001")
    write("progress_report", project, actor, period="2026-10", funds_disbursed="200.0002")
    total = db.session.scalar(select(func.sum(ProgressReport.funds_disbursed)))
    assert Decimal(total).quantize(Decimal("0.0001")) == Decimal("300.0003")


def test_a_refused_record_is_shown_like_any_form_error(project, actor):
    from zerolegwork.engine.forms import FormValidationError

    with pytest.raises(FormValidationError) as caught:
        write("contract", project, actor, end_on="2020-01-01")
    assert caught.value.errors == {"end_on": "结束日期不能早于开始日期。"}


def test_what_the_runtime_adds_to_the_answers_is_not_kept_as_extra(project, actor):
    added = {
        "signed_by": "张三",
        "signed_by_id": actor.id,
        "signed_at": "2026-01-01T00:00:00",
        "org_name": "测试建设单位",
        "task": "record_contract",
        "project_unit": "test_unit",
    }
    row = services.write("contract", project.id, answers("contract", **added), actor.id, 3)
    assert row.extra == {}
