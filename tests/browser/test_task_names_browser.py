"""Tasks say what they are, and no internal names are on screen, in a real browser (issue 12 items 3–4).

Against one `flask zlw serve` with a fresh database, three projects of unit1 are prepared in-process
(the same services the pages call): one approved, whose procedures now ask for 项目建议书 and
可行性研究报告; one rejected in the joint sign-off, whose unit now handles the returned application
within its 30-day limit; one still filling in its information. Then, at desktop width and at 375 px:

- unit1's inbox lists 登记项目手续·项目建议书 and 登记项目手续·可行性研究报告 (not two identical rows),
  no 审批/核准/备案 badge on the unit's own steps, and the returned application with its due date;
  the task page says how many working days are left;
- the project pages' status follows the lifecycle (已通过 · 前期准备中, 已退回项目单位, 项目信息填报中);
- finance1's handled steps keep their kind (审批); the inbox's process filter names 项目全生命周期;
- the auditor's log names objects, actions and details in Chinese;
- and no page shows an internal name (tests/web/test_no_internal_names.py's detector on the page).

Screenshots land in test-artifacts/browser/names-*.png.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.support import DATABASES, DESKTOP, PHONE, Session, scroll_width, shot
from tests.conftest import make_settings
from tests.engine.lifecycle_support import CONFIRM, INFORMATION, act, investment_plan, sign_off
from tests.projects.test_library import _form
from tests.web.test_no_internal_names import internal_names
from zerolegwork import create_app
from zerolegwork.audit import services as audit
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, User
from zerolegwork.projects import library, life, registry

pytestmark = pytest.mark.browser

DEVICES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def prepared(server: str, tmp_path: Path) -> Iterator[Callable[[str], dict[str, int]]]:
    """prepare(tag): unit1's three projects for one device, made in-process in the server's database."""
    app = create_app(make_settings(f"sqlite:///{DATABASES[server]}", files_dir=str(tmp_path / "files")))

    def prepare(tag: str) -> dict[str, int]:
        with app.app_context():
            users = {u.username: u for u in db.session.scalars(select(User))}
            people = {"users": users}
            ndrc = db.session.scalars(select(Organisation.id).where(Organisation.code == "ndrc")).one()

            def road(name: str, **functions: list[str]) -> Any:
                project = registry.register_project(users["unit1"], _form(name=name, competent_department_id=str(ndrc)))
                library.choose_functions(users["unit1"], project, functions)
                life.start_lifecycle(users["unit1"], project.id)
                db.session.commit()
                return project

            def investment(project: Any, reject: str | None = None) -> None:
                iid = project.lifecycle_id
                act(people, iid, "record_information", INFORMATION)
                act(people, iid, "check_information", CONFIRM)
                act(people, iid, "record_investment", investment_plan())
                act(people, iid, "check_investment", CONFIRM)
                sign_off(people, iid, reject=reject)

            approved = road(f"友谊大街道路改造工程（{tag}）", procedures=["proposal", "feasibility"])
            investment(approved)
            returned = road(f"钢铁大街改造工程（{tag}）", procedures=["proposal"])
            investment(returned, reject="finance")
            filling = road(f"阿尔丁大街绿化工程（{tag}）")
            audit.record(
                "instance.incident",
                "process_instance",
                returned.lifecycle_id,
                None,
                reason="WorkflowTaskException: Error evaluating expression 'Decimal(planned_investment)'",
            )
            db.session.commit()
            ids = {"approved": approved.id, "returned": returned.id, "filling": filling.id}
            db.session.remove()
            return ids

    yield prepare
    with app.app_context():
        db.engine.dispose()


def _no_internal_names(page: Any, where: str, phone: bool) -> None:
    found = internal_names(page.content(), {"unit1", "finance1", "auditor"})
    assert found == [], f"{where}: internal names on screen: {found}"
    if phone:
        width = scroll_width(page)
        assert width <= 376, f"{where}: the page scrolls sideways at 375 px (scrollWidth {width})"


@pytest.mark.parametrize("device", DEVICES)
def test_tasks_say_what_they_are_and_pages_show_no_internal_names(
    device: dict[str, Any], session: Callable[..., Session], prepared: Callable[[str], dict[str, int]]
) -> None:
    expect = _expect()
    phone = device is PHONE
    tag = "手机" if phone else "电脑"
    shot_tag = "phone" if phone else "desktop"
    ids = prepared(tag)

    # 1. unit1's inbox: the two procedures by name, no kind badge on the unit's own steps, a due date
    unit = session("unit1", **device)
    page = unit.page
    page.goto("/")
    rows = page.get_by_test_id("task-row").filter(has_text=f"友谊大街道路改造工程（{tag}）")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="登记项目手续·项目建议书")).to_have_count(1)
    expect(rows.filter(has_text="登记项目手续·可行性研究报告")).to_have_count(1)
    expect(page.get_by_test_id("task-row").locator("small.badge")).to_have_count(0)
    revise = (
        page.get_by_test_id("task-row").filter(has_text=f"钢铁大街改造工程（{tag}）").filter(has_text="处理退回意见")
    )
    expect(revise).to_have_count(1)
    expect(revise).to_contain_text("-")  # the 到期 column holds a date
    _no_internal_names(page, "unit1 inbox", phone)
    shot(page, f"names-{shot_tag}-01-unit-inbox")

    # the returned application: its statutory limit (the 30-day boundary timer), in working days
    revise.get_by_role("link", name="办理").click()
    expect(page.get_by_test_id("deadline").or_(page.get_by_test_id("deadline-warning"))).to_contain_text("工作日")
    expect(page.locator(".breadcrumb")).to_contain_text("处理退回意见")
    _no_internal_names(page, "the returned application's task page", phone)
    shot(page, f"names-{shot_tag}-02-unit-deadline")

    # 2. the project pages' status follows the lifecycle; the history speaks Chinese
    for key, status in (
        ("approved", "已通过 · 前期准备中"),
        ("returned", "已退回项目单位"),
        ("filling", "项目信息填报中"),
    ):
        page.goto(f"/projects/{ids[key]}")
        expect(page.get_by_test_id("project-state")).to_have_text(status)
        _no_internal_names(page, f"project page ({key})", phone)
    page.goto(f"/projects/{ids['returned']}")
    expect(page.get_by_test_id("history")).to_contain_text("已退回项目单位")
    page.get_by_test_id("history").scroll_into_view_if_needed()
    shot(page, f"names-{shot_tag}-03-project-history")

    # 3. a department's own steps keep their kind; the process filter names the diagrams
    finance = session("finance1", **device)
    fpage = finance.page
    fpage.goto("/?view=done")
    done = fpage.get_by_test_id("task-row").filter(has_text=f"（{tag}）")
    expect(done.first).to_contain_text("部门审查")
    expect(done.first.locator("small.badge")).to_have_text("审批")
    expect(fpage.locator("#f-process option", has_text="项目全生命周期")).to_have_count(1)
    _no_internal_names(fpage, "finance1 done", phone)
    shot(fpage, f"names-{shot_tag}-04-department-done")

    # 4. the audit log: objects by name with links, actions and details in words
    auditor = session("auditor", **device)
    apage = auditor.page
    apage.goto("/audit/")
    objects = apage.get_by_test_id("audit-object")
    expect(objects.filter(has_text=f"钢铁大街改造工程（{tag}）").first).to_be_visible()
    expect(objects.get_by_role("link", name=f"友谊大街道路改造工程（{tag}）").first).to_have_attribute(
        "href", f"/projects/{ids['approved']}"
    )
    expect(apage.get_by_test_id("audit-detail").filter(has_text="流程规则运行出错").first).to_be_visible()
    _no_internal_names(apage, "audit log", phone)
    shot(apage, f"names-{shot_tag}-05-audit")
