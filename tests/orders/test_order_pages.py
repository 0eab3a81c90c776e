"""Order pages: who may issue, who sees an order (IDOR), and hostile input answered in Chinese."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.orders.conftest import order_form, step, upload, waiting
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.files.errors import EvidenceOwnerError, UploadError
from zerolegwork.orders import reports
from zerolegwork.orders.models import OrderKind, OrderState, ServiceOrder
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import OrgKind, User


@pytest.fixture
def other_agency(people: dict[str, Any]) -> Any:
    """A second agency offering every service, with its account `agency2`."""
    region = people["users"]["agency1"].org.region
    kinds = [k.value for k in OrderKind]
    org = orgs.create_org("other_agency", "包头市另一咨询公司", OrgKind.AGENCY, region, service_types=kinds)
    user = orgs.create_user("agency2", "另一机构", DEMO_PASSWORD, org)
    db.session.commit()
    return user


def orders_count() -> int:
    return db.session.scalar(select(func.count(ServiceOrder.id))) or 0


def test_the_unit_issues_an_order_from_the_project_page(people: dict[str, Any], project: Any, client: Any, login: Any):
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="issue-order-link"' in page and 'data-testid="no-orders"' in page
    assert client.get(f"/projects/{project.id}/orders/new").status_code == 200
    agency = people["users"]["agency1"].org
    answer = client.post(f"/projects/{project.id}/orders", data=order_form("cost_audit", agency))
    assert answer.status_code == 303
    order = db.session.scalars(select(ServiceOrder)).one()
    assert order.state == OrderState.ISSUED and order.issuer_id == project.unit_id
    login("agency1")
    listing = client.get("/orders").get_data(as_text=True)
    assert f'data-order="{order.id}"' in listing
    assert client.get(f"/orders/{order.id}").status_code == 200
    assert "接受委托" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("who", ["finance1", "housing1"])
def test_finance_and_the_competent_department_may_issue_and_others_may_not(
    who: str, people: dict[str, Any], project: Any, client: Any, login: Any
) -> None:
    login(who)
    may = who == "finance1" or people["users"][who].org_id == project.competent_department_id
    assert client.get(f"/projects/{project.id}/orders/new").status_code == (200 if may else 403)


def test_a_department_that_may_not_issue_is_refused_and_nothing_is_saved(
    people: dict[str, Any], project: Any, client: Any, login: Any
) -> None:
    login("env1")
    answer = client.post(
        f"/projects/{project.id}/orders", data=order_form("consulting", people["users"]["agency1"].org)
    )
    assert answer.status_code in (403, 404) and orders_count() == 0


def test_an_agency_not_qualified_for_the_kind_is_refused(
    people: dict[str, Any], project: Any, evaluator: Any, client: Any, login: Any
) -> None:
    login("unit1")
    answer = client.post(f"/projects/{project.id}/orders", data=order_form("cost_audit", evaluator))
    assert answer.status_code == 422
    assert "请选择具备该项服务资质的中介机构。" in answer.get_data(as_text=True)
    answer = client.post(
        f"/projects/{project.id}/orders", data=order_form("performance", people["users"]["agency1"].org)
    )
    assert answer.status_code == 422 and orders_count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": "很" * 4001}, "最多"),
        ({"scope": "   "}, "必填"),
        ({"agency_id": "1 OR 1=1"}, "请选择具备该项服务资质的中介机构。"),
        ({"agency_id": "9" * 40}, "请选择具备该项服务资质的中介机构。"),
        ({"kind": "<script>"}, "请从列表中选择"),
        ({"due_on": "2020-01-01"}, "完成期限不能早于今天。"),
        ({"due_on": "明天"}, "2026-03-01"),
    ],
)
def test_hostile_order_input_is_refused_in_chinese_and_saves_nothing(
    changes: dict[str, str], message: str, people: dict[str, Any], project: Any, client: Any, login: Any
) -> None:
    login("unit1")
    form = order_form("consulting", people["users"]["agency1"].org) | changes
    answer = client.post(f"/projects/{project.id}/orders", data=form)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert orders_count() == 0


def test_another_agency_and_another_unit_see_no_order(
    people: dict[str, Any],
    issue: Any,
    other_agency: Any,
    other_unit: Any,
    client: Any,
    login: Any,
) -> None:
    order = issue(OrderKind.SUPERVISION)
    for who in ("agency2", "other_unit", "env1"):
        login(who)
        assert client.get(f"/orders/{order.id}").status_code == 404, who
        assert f'data-order="{order.id}"' not in client.get("/orders").get_data(as_text=True)
    login("agency2")
    assert client.get(f"/projects/{order.project_id}/orders/new").status_code == 404
    login("other_unit")
    assert (
        client.post(f"/projects/{order.project_id}/orders", data=order_form("consulting", other_agency.org)).status_code
        == 404
    )
    assert client.get("/orders/999999").status_code == 404


def test_another_unit_cannot_order_on_its_project_from_ours(
    people: dict[str, Any],
    other_unit: Any,
    client: Any,
    login: Any,
) -> None:
    login("unit1")
    answer = client.post(
        f"/projects/{other_unit['project'].id}/orders", data=order_form("consulting", people["users"]["agency1"].org)
    )
    assert answer.status_code == 404 and orders_count() == 0


def test_only_the_orders_agency_uploads_its_report(people: dict[str, Any], issue: Any, other_agency: Any) -> None:
    order = issue(OrderKind.SUPERVISION)
    with pytest.raises(EvidenceOwnerError):  # not yet accepted
        upload(order, people["users"]["agency1"])
    db.session.rollback()
    step(order, "answer_order", {"decision": "accept"})
    with pytest.raises(EvidenceOwnerError):  # the unit sees the project but the report is the agency's
        upload(order, people["users"]["unit1"])
    db.session.rollback()
    assert upload(order, people["users"]["agency1"]).owner_org_id == order.agency_id


def test_the_order_page_shows_history_deliveries_and_files(
    people: dict[str, Any], issue: Any, client: Any, login: Any
) -> None:
    order = issue(OrderKind.CONSULTING)
    step(order, "answer_order", {"decision": "accept"})
    login("agency1")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="order-upload"' in page and 'data-testid="order-deliveries-empty"' in page
    upload(order, people["users"]["agency1"], "咨询报告.pdf")
    step(order, "deliver", {"conclusion": "方案可行"})
    login("unit1")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "咨询报告.pdf" in page and "方案可行" in page and 'data-testid="order-upload"' not in page
    assert page.count('data-testid="order-step"') == 3
    project_page = client.get(f"/projects/{order.project_id}").get_data(as_text=True)
    assert "项目咨询成果报告 · 包头市正信工程咨询有限公司" in project_page
    assert not re.search(r">[^<]*order\d+_report[^<]*<", project_page)  # no slot name as text
    from tests.reports.pdf_support import pdf_text

    pdf = client.get(f"/reports/projects/{order.project_id}.pdf")  # the project report names it the same way
    assert pdf.status_code == 200 and f"order{order.id}_report" not in pdf_text(pdf.data)


def test_the_agency_delivers_a_cost_audit_on_its_task_page_and_a_crafted_contract_is_refused(
    people: dict[str, Any], issue: Any, contract: Any, client: Any, login: Any
) -> None:
    own = contract(title="HT-OWN")
    elsewhere = contract(title="HT-ELSEWHERE", target=people["projects"][1])
    order = issue(OrderKind.COST_AUDIT)
    step(order, "answer_order", {"decision": "accept"})
    upload(order, people["users"]["agency1"])
    task = waiting(order, "deliver")
    login("agency1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"合同编号 {own.id}" in page and "HT-OWN" in page and "HT-ELSEWHERE" not in page
    form = {
        "project_submitted": "120",
        "project_audited": "100",
        "contracts-0-contract_id": str(elsewhere.id),
        "contracts-0-submitted": "120",
        "contracts-0-audited": "100",
        "conclusion": "审定" * 10,
    }
    answer = client.post(f"/tasks/{task.id}", data=form)
    assert answer.status_code == 422 and "本项目没有此编号的合同。" in answer.get_data(as_text=True)
    answer = client.post(f"/tasks/{task.id}", data=form | {"conclusion": "很" * 5001})
    assert answer.status_code == 422
    db.session.expire_all()
    assert db.session.get(ServiceOrder, order.id).state == OrderState.ACCEPTED
    answer = client.post(f"/tasks/{task.id}", data=form | {"contracts-0-contract_id": str(own.id)})
    assert answer.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(ServiceOrder, order.id).state == OrderState.DELIVERED
    login("unit1")
    check = waiting(order, "check_delivery")
    assert "成果验收" in client.get(f"/tasks/{check.id}").get_data(as_text=True)


def test_a_report_of_a_refused_type_is_refused_as_elsewhere(people: dict[str, Any], issue: Any) -> None:
    order = issue(OrderKind.CONSULTING)
    step(order, "answer_order", {"decision": "accept"})
    agency = people["users"]["agency1"]
    with pytest.raises(UploadError):
        files.upload(agency, order.project_id, reports.slot_for(order.id), "report.exe", io.BytesIO(b"MZ\x90\x00"))
    db.session.rollback()
    with pytest.raises(UploadError):  # a PDF's name on content that is not one
        files.upload(
            agency, order.project_id, reports.slot_for(order.id), "report.pdf", io.BytesIO(b"<script>x</script>")
        )


def test_the_orders_list_pages_and_filters_in_the_same_statements_for_few_and_many(
    app: Any, people: dict[str, Any], issue: Any, client: Any, login: Any
) -> None:
    def statements(query: str) -> tuple[int, str]:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with app.app_context():
                page = client.get(f"/orders{query}").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen), page

    login("agency1")
    for _ in range(3):
        issue(OrderKind.CONSULTING)
    few, page = statements("")
    assert page.count('data-testid="order-row"') == 3
    for n in range(22):
        issue(OrderKind.SUPERVISION if n % 2 else OrderKind.COST_AUDIT, target=people["projects"][n % 3])
    many, page = statements("")
    assert page.count('data-testid="order-row"') == 20 and few == many
    _n, second = statements("?page=2")
    assert second.count('data-testid="order-row"') == 5
    _n, filtered = statements("?kind=consulting&state=issued")
    assert filtered.count('data-testid="order-row"') == 3
    _n, none = statements("?state=completed")
    assert 'data-testid="orders-empty"' in none


def test_an_open_order_past_its_due_date_is_marked_overdue(
    people: dict[str, Any], issue: Any, client: Any, login: Any
) -> None:
    order = issue(OrderKind.CONSULTING)
    order.due_on = date(2099, 1, 1)
    db.session.commit()
    login("agency1")
    assert 'data-testid="order-overdue"' not in client.get("/orders").get_data(as_text=True)
    order.due_on = date(2026, 1, 1)  # the agency let it pass
    db.session.commit()
    assert 'data-testid="order-overdue"' in client.get("/orders").get_data(as_text=True)


def test_the_order_page_links_a_waiting_step_only_for_who_acts_on_it(
    people: dict[str, Any], issue: Any, client: Any, login: Any
) -> None:
    order = issue(OrderKind.CONSULTING)
    login("unit1")
    assert 'data-testid="order-step-open"' not in client.get(f"/orders/{order.id}").get_data(as_text=True)
    login("agency1")
    assert 'data-testid="order-step-open"' in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_the_issuers_check_shows_the_delivered_figures_and_report(
    people: dict[str, Any], issue: Any, evaluator: Any, client: Any, login: Any
) -> None:
    order = issue(OrderKind.PERFORMANCE, evaluator, by="finance1")
    step(order, "answer_order", {"decision": "accept"})
    upload(order, db.session.scalars(select(User).where(User.org_id == evaluator.id)).one(), "评价报告.pdf")
    step(order, "deliver", {"score": "88.50", "grade": "good", "conclusion": "总体良好"})
    task = waiting(order, "check_delivery")
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "88.50" in page and "总体良好" in page and "提交的成果报告" in page and ">良<" in page
