"""Dictionaries (数据字典): read once per request, kept by platform administrators, audited, retiring keeps old projects."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from tests.projects.test_library import _form
from zerolegwork.audit.models import AuditEvent
from zerolegwork.dictionaries import services as dictionaries
from zerolegwork.dictionaries.errors import DictionaryError
from zerolegwork.extensions import db
from zerolegwork.projects import library
from zerolegwork.projects.errors import ProjectFormError
from zerolegwork.projects.models import Project
from zerolegwork.projects.registry import register_project


@pytest.fixture
def dictionary_queries():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "dictionary_entry" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def _admin(people):
    return people["users"]["admin"]


def test_an_empty_table_reads_as_the_shipped_defaults(app):
    assert dictionaries.names("category")[0] == "市政道路"
    assert dictionaries.labels("funding_source")["bonds"] == "债券资金"
    assert dictionaries.labels("project_state")["in_approval"] == "并联会签中"
    assert dictionaries.industry_code("交通运输") == "48"
    assert dictionaries.find("department", "发改委").name == "发展和改革委员会"


def test_every_read_of_a_request_costs_one_query(app, people, dictionary_queries):
    dictionaries.add_entry("category", "交通运输", _admin(people))
    db.session.commit()
    dictionaries.forget()
    dictionary_queries.clear()
    for _ in range(50):
        dictionaries.names("category")
        dictionaries.vocabularies(active_only=False)
        dictionaries.labels("funding_source")
        dictionaries.find("category", "交通运输")
    assert len(dictionary_queries) == 1


def test_changes_are_audited_and_checked_with_chinese_messages(app, people):
    admin = _admin(people)
    dictionaries.add_entry("category", "交通运输", admin, aliases="交通、道路交通")
    with pytest.raises(DictionaryError, match="已是"):
        dictionaries.add_entry("category", "道路交通", admin)
    with pytest.raises(DictionaryError, match="请输入名称"):
        dictionaries.add_entry("category", "  ", admin)
    with pytest.raises(DictionaryError):
        dictionaries.add_entry("funding_source", "基金", admin)
    code = dictionaries.find("category", "市政道路").code
    dictionaries.rename_entry("category", code, "市政道路桥梁", admin)
    dictionaries.move_entry("category", code, 1, admin)
    dictionaries.set_active("category", code, False, admin)
    dictionaries.set_active("category", code, True, admin)
    db.session.commit()
    actions = list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("dictionary.%")).order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "dictionary.add",
        "dictionary.rename",
        "dictionary.move",
        "dictionary.retire",
        "dictionary.reactivate",
    ]
    assert dictionaries.names("category")[:2] == ("城市更新", "市政道路桥梁")
    assert dictionaries.find("category", "市政道路").name == "市政道路桥梁"  # the old name is an alias


def test_a_retired_entry_cannot_be_chosen_but_old_projects_keep_it_and_are_found(app, people):
    admin = _admin(people)
    unit = people["users"]["unit1"]
    old = register_project(unit, _form(name="旧分类的项目", category="城市更新"))
    code = dictionaries.find("category", "城市更新").code
    dictionaries.set_active("category", code, False, admin)
    db.session.commit()
    with pytest.raises(ProjectFormError) as refused:
        register_project(unit, _form(name="新项目", category="城市更新"))
    assert "category" in refused.value.errors
    assert "城市更新" not in dictionaries.names("category")
    assert "城市更新" in dictionaries.names("category", active_only=False)
    query = library.ProjectQuery.from_args({"category": "城市更新"})
    found = db.session.scalars(library.filtered(admin, query)).all()
    assert old in found and db.session.get(Project, old.id).category == "城市更新"


def test_the_page_is_for_platform_administrators_and_confirms_retiring(client, login, people):
    login("unit1")
    assert client.get("/dictionaries/").status_code == 404
    login("admin")
    page = client.get("/dictionaries/?kind=category").get_data(as_text=True)
    assert "数据字典" in page and "市政道路" in page and "data-confirm" in page
    resp = client.post("/dictionaries/change", data={"kind": "category", "action": "add", "name": "交通运输"})
    assert resp.status_code == 302
    assert "交通运输" in client.get("/dictionaries/?kind=category").get_data(as_text=True)
    resp = client.post("/dictionaries/change", data={"kind": "category", "action": "add", "name": "交通运输"})
    assert "已是" in client.get(resp.location).get_data(as_text=True)
