"""One vocabulary everywhere: the task form 登记项目信息, the project record and the import template read 数据字典."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from tests.engine.lifecycle_support import INFORMATION, UNIT, ready, start
from tests.engine.lifecycle_support import app as lifecycle_app
from zerolegwork.dictionaries import services as dictionaries
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.projects.models import Project
from zerolegwork.projects.transfer import import_projects
from zerolegwork.projects.workbooks import template

app = lifecycle_app


def information_task(people) -> HumanTask:  # type: ignore[no-untyped-def]
    result = start(people, "information")
    (task,) = ready(result.instance_id, "record_information")
    return task


def test_the_project_information_form_offers_an_entry_added_to_the_dictionary(app, client, login, people):
    dictionaries.add_entry("category", "城市轨道交通", people["users"]["admin"])
    db.session.commit()
    task = information_task(people)
    login("unit1")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="城市轨道交通"' in html
    result = inbox.complete(people["users"]["unit1"], task.id, {**INFORMATION, "category": "城市轨道交通"})
    db.session.commit()
    assert result is not None
    project = db.session.get(Project, people["projects"][0].id)
    assert project.category == "城市轨道交通"  # the record accepted the dictionary's new word


def test_a_retired_entry_is_not_offered_but_a_project_that_has_it_keeps_it(app, client, login, people):
    project = people["projects"][0]
    project.category = "城市更新"
    db.session.commit()
    for word in ("城市更新", "房屋建筑"):
        dictionaries.set_active("category", dictionaries.find("category", word).code, False, people["users"]["admin"])
    db.session.commit()
    task = information_task(people)
    login("unit1")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'value="城市更新" checked' in html  # the project's own word stays, chosen
    assert 'value="房屋建筑"' not in html  # a retired word nobody chose here is not offered
    inbox.complete(people["users"]["unit1"], task.id, {**INFORMATION, "category": "城市更新"})
    db.session.commit()
    assert db.session.get(Project, project.id).category == "城市更新"


def test_a_word_no_dictionary_knows_is_refused_by_the_form(app, people):
    import pytest

    from zerolegwork.engine.forms import FormValidationError

    task = information_task(people)
    with pytest.raises(FormValidationError) as refused:
        inbox.complete(people["users"]["unit1"], task.id, {**INFORMATION, "category": "没有这个类别"})
    assert "category" in refused.value.errors


def test_the_import_template_lists_the_dictionaries_and_this_citys_levels(app, people):
    admin = people["users"]["admin"]
    dictionaries.add_entry("category", "城市轨道交通", admin)
    dictionaries.set_active("category", dictionaries.find("category", "城市更新").code, False, admin)
    db.session.commit()
    sheet = load_workbook(io.BytesIO(template()))["可选值"]
    columns = {col[0].value: [cell.value for cell in col[1:] if cell.value] for col in sheet.columns}
    assert "城市轨道交通" in columns["项目类别"] and "城市更新" not in columns["项目类别"]
    assert columns["项目级次"] == ["市本级", "旗县区"]  # a city: no 省本级


def test_a_level_error_in_a_city_names_only_the_citys_levels(app, people):
    from tests.projects_io.support import row, workbook

    report = import_projects(workbook([row(1, **{"项目级次": "乡镇级"})]))
    (problem,) = [p for p in report.errors if p.column == "项目级次"]
    assert "市本级、旗县区" in problem.message and "省本级" not in problem.message


def test_units_see_the_form_the_dictionary_backs_on_their_own_task_only(app, client, login, people):
    task = information_task(people)
    assert db.session.scalar(select(HumanTask.org_code).where(HumanTask.id == task.id)) == UNIT
    login("finance1")
    assert client.get(f"/tasks/{task.id}").status_code in (403, 404)


def test_the_project_record_takes_the_dictionarys_words_and_refuses_others(app, people):
    from tests.records.support import answers
    from zerolegwork.records import services as records

    assert records.validate("project_info", answers("project_info", category="火箭发射")) == {
        "category": "请从列出的选项中选择一项。"
    }
    dictionaries.add_entry("category", "火箭发射", people["users"]["admin"])
    db.session.commit()
    assert records.validate("project_info", answers("project_info", category="火箭发射")) == {}


def test_a_crafted_answer_with_a_retired_word_the_project_never_had_is_refused(app, people):
    import pytest

    from zerolegwork.engine.forms import FormValidationError

    project = people["projects"][0]
    project.category = "市政道路"
    db.session.commit()
    dictionaries.set_active("category", dictionaries.find("category", "房屋建筑").code, False, people["users"]["admin"])
    db.session.commit()
    task = information_task(people)
    with pytest.raises(FormValidationError) as refused:
        inbox.complete(people["users"]["unit1"], task.id, {**INFORMATION, "category": "房屋建筑"})
    assert refused.value.errors["category"] == "该选项已停用，只有原已选用它的项目可以保留。"
    db.session.rollback()
    assert db.session.get(Project, project.id).category == "市政道路"
