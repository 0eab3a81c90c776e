"""The import page's mapping step: unknown values are mapped on the page, the kept file imported with them."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.projects_io.support import many, row, workbook
from zerolegwork.audit.models import AuditEvent
from zerolegwork.dictionaries import services as dictionaries
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project

URL = "/projects/transfer/import"
MAP = "/projects/transfer/import/map"


def upload(client, data: bytes, **form):  # type: ignore[no-untyped-def]
    return client.post(
        URL, data={"file": (io.BytesIO(data), "本局项目库.xlsx"), **form}, content_type="multipart/form-data"
    )


def choose(client, *choices: tuple[str, str, str], **form):  # type: ignore[no-untyped-def]
    data = {"count": str(len(choices)), **form}
    for i, (column, value, target) in enumerate(choices):
        data.update({f"column-{i}": column, f"value-{i}": value, f"target-{i}": target})
    return client.post(MAP, data=data)


def projects(**where: str) -> int:
    stmt = select(func.count()).select_from(Project).filter_by(**where)
    return db.session.scalar(stmt) or 0


def bureau_sheet() -> bytes:
    """Six rows: three say 交通运输 (not an entry), two name a department nobody has registered."""
    rows = many(6)
    for i in (0, 2, 4):
        rows[i] = row(i, **{"项目类别": "交通运输"})
    for i in (1, 3):
        rows[i] = row(i, **{"主管部门": "住建口"})
    return workbook(rows)


def test_unknown_values_are_offered_with_the_entries_they_may_become(client, login, people):
    login("admin")
    response = upload(client, bureau_sheet())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="import-mapping"' in html and html.count('data-testid="import-unmatched-value"') == 2
    assert '<option value="市政道路">市政道路</option>' in html  # a 项目类别 entry
    assert '<option value="包头市住房和城乡建设局">包头市住房和城乡建设局</option>' in html  # a department
    assert "将「交通运输」添加到数据字典" in html  # the platform administrator keeps the dictionaries
    assert "将「住建口」添加到数据字典" not in html  # departments come from the set-up


def test_the_kept_file_is_imported_with_the_choices_made_on_the_page(client, login, people):
    login("admin")
    before = projects()
    assert upload(client, bureau_sheet()).status_code == 422
    response = choose(client, ("项目类别", "交通运输", "市政道路"), ("主管部门", "住建口", "包头市住房和城乡建设局"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "已导入 6 个项目。" in html
    db.session.remove()
    assert projects() == before + 6
    assert projects(category="交通运输") == 0


def test_a_value_left_unchosen_imports_nothing_and_keeps_the_other_choices(client, login, people):
    login("admin")
    before = projects()
    upload(client, bureau_sheet())
    response = choose(client, ("项目类别", "交通运输", "市政道路"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="import-refused"' in html
    assert html.count('data-testid="import-unmatched-value"') == 2 and "住建口" in html
    assert '<option value="市政道路" selected>市政道路</option>' in html  # the choice made stays on the page
    db.session.remove()
    assert projects() == before


def test_check_only_then_import_now_with_the_same_choices(client, login, people):
    login("admin")
    before = projects()
    upload(client, bureau_sheet())
    picks = (("项目类别", "交通运输", "市政道路"), ("主管部门", "住建口", "包头市住房和城乡建设局"))
    checked = choose(client, *picks, dry_run="1")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "已按所选对应检查：全部 6 行无误" in html
    assert 'data-testid="import-confirm"' in html
    db.session.remove()
    assert projects() == before
    done = choose(client, *picks)
    assert "已导入 6 个项目。" in done.get_data(as_text=True)
    db.session.remove()
    assert projects() == before + 6


def test_the_platform_administrator_adds_a_value_to_its_dictionary_audited(client, login, people):
    login("admin")
    upload(client, bureau_sheet())
    response = choose(client, ("项目类别", "交通运输", "__add__"), ("主管部门", "住建口", "包头市住房和城乡建设局"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已添加到数据字典" in html and "已导入 6 个项目。" in html
    db.session.remove()
    assert projects(category="交通运输") == 3
    assert dictionaries.find("category", "交通运输") is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(action="dictionary.add")) >= 1


def test_a_refused_import_adds_nothing_to_a_dictionary(client, login, people):
    login("admin")
    upload(client, bureau_sheet())
    response = choose(client, ("项目类别", "交通运输", "__add__"))  # 住建口 left open: refused
    assert response.status_code == 422
    assert "将「交通运输」添加到数据字典" in response.get_data(as_text=True)  # offered again, not added
    db.session.remove()
    dictionaries.forget()
    assert dictionaries.find("category", "交通运输") is None


def test_a_district_administrator_maps_but_may_not_add(client, login, people):
    login("admin_150202")  # 东河区
    rows = [row(i, **{"项目地区": "东河区", "项目类别": "交通运输"}) for i in range(3)]
    response = upload(client, workbook(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "添加到数据字典" not in html
    refused = choose(client, ("项目类别", "交通运输", "__add__"))
    assert refused.status_code == 422
    assert "只有平台管理员可以向数据字典添加条目" in refused.get_data(as_text=True)
    db.session.remove()
    dictionaries.forget()
    assert dictionaries.find("category", "交通运输") is None
    mapped = choose(client, ("项目类别", "交通运输", "市政道路"))
    assert "已导入 3 个项目。" in mapped.get_data(as_text=True)


def test_a_target_that_is_no_entry_is_refused_by_name(client, login, people):
    login("admin")
    before = projects()
    upload(client, bureau_sheet())
    response = choose(
        client, ("项目类别", "交通运输", "不存在的类别"), ("主管部门", "住建口", "包头市住房和城乡建设局")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「交通运输」：不存在的类别 不是项目类别的有效条目。" in html
    db.session.remove()
    assert projects() == before


def test_a_column_that_cannot_be_mapped_is_refused(client, login, people):
    login("admin")
    upload(client, bureau_sheet())
    response = choose(client, ("计划投资（万元）", "100", "200"))
    assert response.status_code == 422 and "不是可以对应到数据字典的列" in response.get_data(as_text=True)


def test_the_mapping_step_without_an_upload_asks_for_the_file_again(client, login, people):
    login("admin")
    response = choose(client, ("项目类别", "交通运输", "市政道路"))
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    page = client.get(URL)
    assert "上传的文件已不再保留，请重新上传。" in page.get_data(as_text=True)


def test_another_user_cannot_import_someone_elses_kept_file(client, login, people):
    login("admin")
    upload(client, bureau_sheet())
    login("admin_150202")  # a new session: no kept file of its own
    before = projects()
    response = choose(client, ("项目类别", "交通运输", "市政道路"), ("主管部门", "住建口", "包头市住房和城乡建设局"))
    assert response.status_code == 302
    db.session.remove()
    assert projects() == before


def test_units_and_departments_may_not_post_the_mapping_step(client, login, people):
    for username in ("unit1", "finance1"):
        login(username)
        assert choose(client, ("项目类别", "交通运输", "市政道路")).status_code == 404


def test_a_huge_count_is_bounded(client, login, people):
    login("admin")
    upload(client, bureau_sheet())
    response = client.post(MAP, data={"count": "99999999"})
    assert response.status_code == 422  # nothing chosen: the same unknown values are shown again
    assert client.post(MAP, data={"count": "many"}).status_code == 422
