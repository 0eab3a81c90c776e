"""The project library: registering with a national code, filtering, sorting, saved filters, functions, log."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from tests.helpers import run_together
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, Region
from zerolegwork.projects import codes, library, log, registry
from zerolegwork.projects.errors import ProjectFormError, ProjectNotFoundError
from zerolegwork.projects.library import ProjectQuery
from zerolegwork.projects.models import Project, ProjectFunction


def _form(**over: str) -> dict[str, str]:
    city = db.session.scalars(select(Region.id).where(Region.name == "市本级")).one()
    housing = db.session.scalars(select(Organisation.id).where(Organisation.code == "housing")).one()
    form = {
        "name": "昆区友谊大街改造工程",
        "region_id": str(city),
        "competent_department_id": str(housing),
        "category": "市政道路",
        "investment_policy": "一般公共预算",
        "industry_type": "交通运输",
        "construction_mode": "改建",
        "investment_mode": "直接投资",
        "management_status": "前期",
        "planned_investment": "12000.5",
        "start_year": "2026",
        "end_year": "2028",
    }
    form.update(over)
    return form


def test_check_character_catches_a_changed_digit():
    code = codes.compose(2026, "150202", "48", "01", 17)
    assert codes.is_valid(code)
    changed = code[:-3] + ("2" if code[-3] != "2" else "3") + code[-2:]
    assert not codes.is_valid(changed)
    assert not codes.is_valid("2026-150202-48-04-00017" + code[-1])  # type 04 does not exist
    assert not codes.is_valid("")


def test_a_unit_registers_a_project_and_gets_the_next_code(app, people):
    first = registry.register_project(people["users"]["unit1"], _form())
    second = registry.register_project(people["users"]["unit1"], _form(name="第二个项目"))
    db.session.commit()
    assert codes.is_valid(first.code) and codes.is_valid(second.code)
    assert first.code.startswith("2026-150200-48-01-")
    assert int(second.code[18:23]) == int(first.code[18:23]) + 1
    assert first.planned_investment == Decimal("12000.5000")
    assert first.level == "city" and first.competent_department.code == "housing"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.register")).all()
    assert len(audit) == 2


def test_registration_names_every_bad_field_and_saves_nothing(app, people):
    before = db.session.scalar(select(func.count()).select_from(Project))
    bad = _form(
        name="",
        category="火箭发射",
        planned_investment="1.00001",
        start_year="2030",
        end_year="2029",
        competent_department_id="999999",
    )
    try:
        registry.register_project(people["users"]["unit1"], bad)
    except ProjectFormError as exc:
        assert set(exc.errors) == {"name", "category", "planned_investment", "end_year", "competent_department_id"}
    else:
        raise AssertionError("a bad form was accepted")
    for amount in ("-1", "abc", "1e400", "NaN", "0"):
        try:
            registry.register_project(people["users"]["unit1"], _form(planned_investment=amount))
        except ProjectFormError as exc:
            assert "planned_investment" in exc.errors
        else:
            raise AssertionError(amount)
    assert db.session.scalar(select(func.count()).select_from(Project)) == before


def test_departments_cannot_register_projects(app, people):
    try:
        registry.register_project(people["users"]["finance1"], _form())
    except ProjectFormError as exc:
        assert "_form" in exc.errors
    else:
        raise AssertionError("a department registered a project")


def test_codes_registered_at_the_same_moment_differ(pg_app, people):
    unit1_id = people["users"]["unit1"].id

    def register(name: str):
        from zerolegwork.orgs.models import User

        return lambda: registry.register_project(db.session.get(User, unit1_id), _form(name=name)).code

    results = run_together(pg_app, *(register(f"并发项目{i}") for i in range(4)))
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 4


def test_filters_by_each_classification_field_and_sorts(app, people):
    unit = people["users"]["unit1"]
    a = registry.register_project(unit, _form(name="甲", planned_investment="300"))
    b = registry.register_project(
        unit,
        _form(
            name="乙",
            category="生态环保",
            investment_policy="地方政府专项债券",
            industry_type="生态环保",
            construction_mode="新建",
            investment_mode="投资补助",
            management_status="在建",
            planned_investment="100",
        ),
    )
    db.session.commit()
    for field, value in [
        ("category", "生态环保"),
        ("investment_policy", "地方政府专项债券"),
        ("industry_type", "生态环保"),
        ("construction_mode", "新建"),
        ("investment_mode", "投资补助"),
        ("management_status", "在建"),
    ]:
        rows, total = library.list_projects(unit, ProjectQuery.from_args({field: value, "q": "乙"}))
        assert [p.id for p in rows] == [b.id] and total == 1, field
        rows, _ = library.list_projects(unit, ProjectQuery.from_args({field: value}), per_page=100)
        assert a.id not in [p.id for p in rows] and all(getattr(p, field) == value for p in rows), field
    rows, _ = library.list_projects(unit, ProjectQuery.from_args({"q": a.code}))
    assert [p.id for p in rows] == [a.id]
    rows, _ = library.list_projects(unit, ProjectQuery.from_args({"q": "乙"}))
    assert [p.id for p in rows] == [b.id]
    ordered, _ = library.list_projects(unit, ProjectQuery.from_args({"sort": "planned", "dir": "asc", "q": "项目"}))
    ours, _ = library.list_projects(unit, ProjectQuery.from_args({"sort": "planned", "dir": "desc"}), per_page=100)
    amounts = [p.planned_investment for p in ours]
    assert amounts == sorted(amounts, reverse=True)
    del ordered


def test_hostile_filter_values_are_dropped_not_run(app, people):
    query = ProjectQuery.from_args(
        {"category": "x' OR 1=1 --", "sort": "name; DROP TABLE project", "region_id": "1 OR 1=1", "q": "%_\\"}
    )
    assert query.category == "" and query.sort == "created" and query.region_id is None
    rows, total = library.list_projects(people["users"]["unit1"], query)
    assert total == 0 and rows == []


def test_a_unit_sees_only_its_own_projects_in_the_library(app, people):
    rows, total = library.list_projects(people["users"]["unit1"], ProjectQuery())
    assert total >= 1 and all(p.unit_id == people["users"]["unit1"].org_id for p in rows)


def test_saved_filters_are_per_user_unless_shared(app, people):
    finance1, finance_chief = people["users"]["finance1"], people["users"]["finance_chief"]
    query = ProjectQuery.from_args({"category": "市政道路", "sort": "planned", "dir": "desc"})
    mine = library.save_filter(finance1, "道路项目", query)
    library.save_filter(finance1, "共享的", ProjectQuery.from_args({"level": "district"}), shared=True)
    db.session.commit()
    assert {f.name for f in library.saved_filters(finance1)} == {"道路项目", "共享的"}
    assert {f.name for f in library.saved_filters(finance_chief)} == {"共享的"}
    assert library.filter_args(mine) == {"category": "市政道路", "sort": "planned", "dir": "desc"}
    library.delete_filter(finance_chief, mine.id)  # not hers: nothing happens
    db.session.commit()
    assert len(library.saved_filters(finance1)) == 2


def test_choosing_functions_is_checked_and_audited(app, people):
    unit = people["users"]["unit1"]
    project = registry.register_project(unit, _form())
    chosen = library.choose_functions(
        unit, project, {"procedures": ["land_use", "proposal"], "progress": ["image", "investment", "funds"]}
    )
    db.session.commit()
    assert chosen["procedures"] == ["proposal", "land_use"]  # catalog order
    assert chosen["progress"] == ["investment", "funds", "image"]
    assert chosen["acceptance"] == []
    try:
        library.choose_functions(unit, project, {"procedures": ["teleport"]})
    except library.FunctionChoiceError:
        pass
    else:
        raise AssertionError("an unknown function was accepted")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.functions")).one()
    assert event.detail["after"]["procedures"] == ["proposal", "land_use"]
    # the competent department may change them later; another department may not
    library.choose_functions(people["users"]["housing1"], project, {"procedures": ["proposal"]})
    try:
        library.choose_functions(people["users"]["env1"], project, {"procedures": []})
    except ProjectNotFoundError:
        pass
    else:
        raise AssertionError("a department that is not competent changed the functions")
    db.session.commit()
    rows = db.session.scalars(select(ProjectFunction.function).where(ProjectFunction.project_id == project.id)).all()
    assert rows == ["proposal"]


def test_log_entries_need_a_sensible_date_and_text(app, people):
    from datetime import date

    unit = people["users"]["unit1"]
    project = people["projects"][0]
    log.add_entry(unit, project.id, "2026-11-20", "  基础开挖完成。 ", today=date(2026, 11, 26))
    log.add_entry(unit, project.id, "2026-11-25", "主体结构施工。", today=date(2026, 11, 26))
    for day, text in [
        ("2026-12-25", "未来"),
        ("1999-01-01", "太早"),
        ("不是日期", "x"),
        ("2026-11-20", " "),
        ("2026-11-20", "长" * 5001),
    ]:
        try:
            log.add_entry(unit, project.id, day, text, today=date(2026, 11, 26))
        except ProjectFormError:
            continue
        raise AssertionError((day, text[:10]))
    db.session.commit()
    entries = log.entries(project.id)
    assert [e.text for e in entries] == ["主体结构施工。", "基础开挖完成。"]


def test_another_districts_department_cannot_write_into_the_projects_log(app, people):
    project = people["projects"][0]
    assert project.region.name == "昆区"
    try:
        log.add_entry(people["users"]["finance1_150202"], project.id, "2026-11-20", "x")
    except ProjectNotFoundError:
        return
    raise AssertionError("a district department wrote into a city project's log")
