"""No internal names on screen: every page reachable from the demo accounts' menus, in zh-CN.

What counts as an internal name (an ASCII identifier shown as text), precisely — a token of the
page's visible text (text nodes outside <script>, <style>, <template>, <code>, <kbd>, <samp>; not
attributes) made of ASCII letters, digits and `_ . : / - @ #` that is one of:

- snake_case: letters with an underscore between word characters (`in_approval`, `human_task`);
- a dotted name: two or more identifier parts joined by dots (`report.project_pdf`, `inbox.task`);
- CamelCase: camelCase (`formKey`) or two or more capitalised humps (`WorkflowTaskException`);
- a bare lowercase English word of two or more letters (`approved`, `draft`, `user` in `user 5`);
- raw JSON: a quoted key followed by a colon (`{"decision": "approve"}`).

Not internal names: numbers, dates and times (no letters), project codes and credit codes
(uppercase letters with digits, as a TOTP secret too), the sign-in names of accounts (`unit1`, `finance_chief`: people
type them to sign in), file names and types (`报告.pdf`, `pdf、docx`: a name whose last part is a file extension),
e-mail addresses, addresses of pages (`/projects/7`, `http://…`), and the few product names and
abbreviations a Chinese page writes in Latin letters (PDF, Excel, CSV, ID, API).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from lxml import html as lxml_html
from sqlalchemy import select

from tests.conftest import _build_app, deploy_repository
from tests.engine.lifecycle_support import CONFIRM, INFORMATION, act, investment_plan, ready, sign_off
from tests.projects.test_library import _form
from zerolegwork import demo
from zerolegwork.audit import services as audit
from zerolegwork.engine.models import HumanTask
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, User
from zerolegwork.projects import library, life, registry


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on SQLite, uploads under tmp_path, and every demo account may sign in from the one test address."""
    application = _build_app("sqlite", tmp_path, request, files_dir=str(tmp_path / "files"), login_limit_per_ip=1000)
    with application.app_context():
        deploy_repository()
        yield application
        db.session.remove()
        db.engine.dispose()


SKIPPED_ELEMENTS = {"script", "style", "template", "code", "kbd", "samp", "noscript"}
TOKEN = re.compile(r"[A-Za-z0-9_.:/@#\-\"]+")
SNAKE = re.compile(r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]")
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
CAMEL = re.compile(r"[a-z]+[A-Z][A-Za-z0-9]*|(?:[A-Z][a-z][a-z0-9]*){2,}[A-Za-z0-9]*")
WORD = re.compile(r"[a-z]{2,}")
JSON_KEY = re.compile(r'"[A-Za-z_][A-Za-z0-9_]*"\s*:')
FILE_EXTENSIONS = {"pdf", "xlsx", "xls", "csv", "zip", "png", "jpg", "jpeg", "webp", "doc", "docx", "txt", "json"}
PRODUCT_WORDS = {"PDF", "Excel", "CSV", "ID", "API", "ZIP", "IP", "TOTP"}


def visible_texts(page: str) -> list[str]:
    """The text nodes a person reads on the page (not scripts, styles, code elements or attributes)."""
    root = lxml_html.fromstring(page)
    texts: list[str] = []

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str) or el.tag.lower() in SKIPPED_ELEMENTS:
            return
        if el.text:
            texts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                texts.append(child.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    return texts


def _is_internal(raw: str, allowed: set[str]) -> bool:
    if raw.startswith(".") and raw[1:].lower() in FILE_EXTENSIONS:  # the end of a Chinese file name
        return False
    token = raw.strip(".:,-/#\"'")
    if not token or token in allowed or token in PRODUCT_WORDS:
        return False
    if "@" in token or token.startswith(("/", "http:", "https:")) or "://" in token:
        return False
    if token.rsplit(".", 1)[-1].lower() in FILE_EXTENSIONS:  # a file name, or a file type (pdf、docx)
        return False
    return any(rule.fullmatch(token) for rule in (SNAKE, DOTTED, CAMEL, WORD))


def internal_names(page: str, allowed: Iterable[str] = ()) -> list[str]:
    """Every internal name (see the module's docstring) shown as text on an HTML page."""
    names = set(allowed)
    found: list[str] = []
    for text in visible_texts(page):
        found += [m.group(0) for m in JSON_KEY.finditer(text)]
        found += [t.strip(".:,-/#\"'") for t in TOKEN.findall(text) if _is_internal(t, names)]
    return found


def test_the_detector_finds_planted_internal_names():
    planted = {
        "<p>项目状态：in_approval → approved</p>": ["in_approval", "approved"],
        "<td>report.project_pdf</td>": ["report.project_pdf"],
        "<span>user 5</span>": ["user"],
        '<pre>{"decision": "approve"}</pre>': ['"decision":', "decision", "approve"],
        '<code>{"decision": "approve"}</code>': [],  # shown as code, on purpose
        '<div>{"decision": "approve"}</div>': ['"decision":', "decision", "approve"],
        "<li>原因：WorkflowTaskException: Error evaluating</li>": ["WorkflowTaskException", "evaluating"],
        "<li>formKey</li>": ["formKey"],
        "<option>joint_signoff</option>": ["joint_signoff"],
    }
    for page, expected in planted.items():
        assert internal_names(f"<html><body>{page}</body></html>") == expected, page


def test_the_detector_lets_codes_numbers_dates_sign_in_names_and_files_pass():
    page = """<html><head><title>x_y</title><style>.a_b{}</style></head><body>
      <p>项目代码 2026-150200-48-01-000007 · 统一社会信用代码 91150200MA0N00008X</p>
      <p>12,800.0000 万元 · 2026-03-02 00:30:05 · 第 3 轮 · #42 · 20%</p>
      <p>项目单位 经办人 (unit1) · 财政局 科长 (finance_chief)</p>
      <p>可行性研究报告.pdf · 导出 Excel / CSV / PDF · demo@example.org · /projects/7</p>
      <p><code>flask zlw check-bpmn</code> <a href="/inbox/?view=done" title="in_approval">已办</a></p>
      <script>var in_approval = "report.project_pdf";</script>
    </body></html>"""
    assert internal_names(page, allowed={"unit1", "finance_chief"}) == []


def _road(people: dict[str, Any], name: str, **functions: list[str]) -> Any:
    unit = people["users"]["unit1"]
    ndrc = db.session.scalars(select(Organisation.id).where(Organisation.code == "ndrc")).one()
    form = _form(name=name, competent_department_id=str(ndrc))
    project = registry.register_project(unit, form)
    library.choose_functions(unit, project, functions)
    life.start_lifecycle(unit, project.id)
    db.session.commit()
    return project


def _world(people: dict[str, Any]) -> dict[str, Any]:
    """The demo, and projects at several points of their life, so lists, history and audit log have rows."""
    users = people["users"]
    filing = _road(people, "友谊大街道路改造工程", procedures=["proposal", "feasibility"])
    iid = filing.lifecycle_id
    act(people, iid, "record_information", INFORMATION)
    act(people, iid, "check_information", CONFIRM)
    act(people, iid, "record_investment", investment_plan())
    act(people, iid, "check_investment", CONFIRM)
    sign_off(people, iid)
    returned = _road(people, "钢铁大街改造工程", procedures=["proposal"])
    rid = returned.lifecycle_id
    act(people, rid, "record_information", INFORMATION)
    act(people, rid, "check_information", CONFIRM)
    act(people, rid, "record_investment", investment_plan())
    act(people, rid, "check_investment", CONFIRM)
    sign_off(people, rid, reject="finance")
    _road(people, "阿尔丁大街绿化工程")  # still filling in its information
    # what the code writes on an incident and on a PDF, as the audit log and the history receive it
    audit.record(
        "instance.incident",
        "process_instance",
        rid,
        None,
        reason="WorkflowTaskException: Error evaluating expression 'Decimal(planned_investment)'",
    )
    audit.record("report.project_pdf", "project", filing.id, users["unit1"].id, size=1234)
    db.session.commit()
    return {"filing": filing, "returned": returned}


MENU_SKIP = ("/logout", "/vendor/", "/static/", "/files/")
DOWNLOADS = re.compile(r"\.(pdf|xlsx|csv|zip|json)$|/(download|export|pdf|template)\b")


def _links(page: str, base: str, only_nav: bool) -> list[str]:
    root = lxml_html.fromstring(page)
    scope = root.xpath("//nav[contains(@class,'navbar')]//a[@href]") if only_nav else root.xpath("//main//a[@href]")
    out = []
    for a in scope:
        url = urljoin(base, a.get("href"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or (parts.fragment and not parts.path):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(MENU_SKIP) or DOWNLOADS.search(parts.path):
            continue
        out.append(path)
    return out


def _walk(client: Any, limit: int = 90, per_kind: int = 4, depth: int = 2) -> dict[str, str]:
    """The menu's pages and the pages their main content links to (`depth` levels), as HTML, by path.

    Links of one kind (the same address but for its numbers: /projects/4, /projects/5) are followed
    up to `per_kind` times: their pages show the same words around different records.
    """
    home = client.get("/", follow_redirects=True)
    menu = list(dict.fromkeys(_links(home.get_data(as_text=True), "http://localhost/", only_nav=True)))
    pages: dict[str, str] = {}
    queue = [(path, 0) for path in menu]
    seen = set(menu)
    kinds: dict[str, int] = {}
    while queue and len(pages) < limit:
        path, level = queue.pop(0)
        resp = client.get(path)
        if resp.status_code != 200 or not resp.content_type.startswith("text/html"):
            continue
        text = resp.get_data(as_text=True)
        pages[path] = text
        if level >= depth:
            continue
        for link in _links(text, "http://localhost" + path, only_nav=False):
            kind = re.sub(r"\d+", "N", link)
            if link in seen or kinds.get(kind, 0) >= per_kind:
                continue
            seen.add(link)
            kinds[kind] = kinds.get(kind, 0) + 1
            queue.append((link, level + 1))
    return pages


def test_every_page_of_the_demo_menus_shows_no_internal_name(app, client, login, people):
    _world(people)
    sign_in_names = set(db.session.scalars(select(User.username)))
    problems: dict[str, list[str]] = {}
    walked = 0
    for username, _role in demo.accounts():
        login(username)
        pages = _walk(client)
        assert pages, f"{username}: no page reachable from the menu"
        walked += len(pages)
        for path, page in pages.items():
            found = internal_names(page, sign_in_names)
            if found:
                problems[f"{username} {path}"] = sorted(set(found))
    assert walked > 60
    assert problems == {}, "\n".join(f"{where}: {names}" for where, names in problems.items())


def test_task_titles_name_their_item_and_the_unit_steps_carry_no_kind_badge(app, client, login, people):
    world = _world(people)
    titles = sorted(t.title for t in ready(world["filing"].lifecycle_id, "record_procedure"))
    assert titles == ["登记项目手续·可行性研究报告", "登记项目手续·项目建议书"]
    login("unit1")
    page = client.get("/").get_data(as_text=True)
    assert "登记项目手续·可行性研究报告" in page and "登记项目手续·项目建议书" in page
    rows = lxml_html.fromstring(page).xpath("//tr[@data-testid='task-row']")
    assert rows and not any(r.xpath(".//small[contains(@class,'badge')]") for r in rows)  # 审批/核准/备案: no
    # the unit's own step after a rejection is due when its boundary timer (逾期未处理, 30 days) fires
    revise = db.session.scalars(select(HumanTask).where(HumanTask.bpmn_id == "revise_application")).one()
    assert revise.mode is None and revise.due_at is not None
    login("finance1")
    page = client.get("/?view=done").get_data(as_text=True)
    assert "审批" in page  # a department's own steps keep their kind


def test_the_project_status_follows_its_lifecycle(app, client, login, people):
    world = _world(people)
    login("unit1")
    states = {}
    names = ("友谊大街道路改造工程", "钢铁大街改造工程", "阿尔丁大街绿化工程")
    for project in db.session.scalars(select(life.Project).where(life.Project.name.in_(names))):
        page = client.get(f"/projects/{project.id}").get_data(as_text=True)
        badge = lxml_html.fromstring(page).xpath("//*[@data-testid='project-state']")[0]
        states[project.name] = badge.text_content().strip()
    assert states == {
        "友谊大街道路改造工程": "已通过 · 前期准备中",
        "钢铁大街改造工程": "已退回项目单位",
        "阿尔丁大街绿化工程": "项目信息填报中",
    }
    assert world["filing"].state == "approved"
