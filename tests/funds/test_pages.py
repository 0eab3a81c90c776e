"""The fund pages: entering and reversing on the page, the list of exceptions, statements, who gets 404."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import event, func, select

from tests.files import samples
from tests.helpers import run_together
from zerolegwork.extensions import db
from zerolegwork.funds import imports, services
from zerolegwork.funds.errors import PaymentError
from zerolegwork.funds.models import FundException, Payment


def form(**fields: object) -> dict[str, object]:
    values: dict[str, object] = {"paid_on": "2026-09-01", "amount": "12.5", "payee": "包头市第一建筑工程有限公司"}
    values.update(source="central", contract="", note="")
    values.update(fields)
    return values


def test_a_unit_enters_a_payment_with_its_voucher_on_the_page_and_sees_the_ledger(
    client, login, project, contract, arrange
):
    ht = contract("HT-2026-01", "120")
    arrange("100")
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/projects/{project.id}/funds" in page and "资金台账" in page
    page = client.get(f"/projects/{project.id}/funds").get_data(as_text=True)
    assert 'data-testid="payment-form"' in page and "尚无支付，无需对账" in page and "HT-2026-01" in page
    resp = client.post(
        f"/projects/{project.id}/funds/payments",
        data={**form(amount="130", contract=str(ht.id)), "voucher": (io.BytesIO(samples.PDF), "凭证.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    assert payment.amount == Decimal("130.0000") and payment.voucher_id and payment.entry == "form"
    page = client.get(f"/projects/{project.id}/funds").get_data(as_text=True)
    assert "合同 HT-2026-01 金额 120.0000 万元，已支付 130.0000 万元，超出 10.0000 万元。" in page
    assert "资金来源 中央转移支付 已安排 100.0000 万元，已支付 130.0000 万元，超出 30.0000 万元。" in page
    assert f"/files/{payment.voucher_id}/download" in page and 'data-testid="reverse"' in page
    assert "data-confirm=" in page
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "支付凭证 · 2026-09-01 包头市第一建筑工程有限公司" in page  # the voucher on the evidence card, named


def test_a_bad_form_is_answered_in_chinese_keeps_what_was_typed_and_escapes_it(client, login, project):
    login("unit1")
    resp = client.post(f"/projects/{project.id}/funds/payments", data=form(amount="abc", payee="<script>x</script>"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'data-testid="error-amount"' in page and "万元" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_the_unit_reverses_on_the_page_with_a_reason(client, login, project, pay):
    payment = pay("10")
    login("unit1")
    resp = client.post(f"/funds/payments/{payment.id}/reverse", data={"reason": ""}, follow_redirects=True)
    assert "请填写冲销原因" in resp.get_data(as_text=True)
    assert client.post(f"/funds/payments/{payment.id}/reverse", data={"reason": "录错金额"}).status_code == 302
    page = client.get(f"/projects/{project.id}/funds").get_data(as_text=True)
    assert "冲销：录错金额" in page and "已冲销" in page
    assert db.session.scalar(select(func.sum(Payment.amount))) == Decimal("0.0000")


def test_nobody_else_reaches_a_fund_url_by_changing_a_number(client, login, project, pay, other_unit, people):
    payment = pay("10")
    theirs = other_unit["project"]
    urls = [
        ("get", f"/projects/{project.id}/funds"),
        ("post", f"/projects/{project.id}/funds/payments"),
        ("get", f"/projects/{project.id}/funds/template.xlsx"),
        ("post", f"/projects/{project.id}/funds/import"),
        ("post", f"/funds/payments/{payment.id}/reverse"),
        ("post", f"/funds/payments/{payment.id}/voucher"),
    ]
    # another unit, and a district's finance bureau that does not see the city-managed project in 昆区
    for name in ("other_unit", "finance1_150202"):
        login(name)
        for method, url in urls:
            resp = getattr(client, method)(url, data=form(reason="越权"))
            assert resp.status_code == 404, (name, method, url, resp.status_code)
    # a department that sees the project reads it, but neither enters nor reverses
    login("env1")
    assert client.get(f"/projects/{project.id}/funds").status_code == 200
    for method, url in urls[1:]:
        assert getattr(client, method)(url, data=form(reason="越权")).status_code == 404, url
    # the city's finance bureau enters, but does not reverse the unit's payment
    login("finance1")
    assert client.post(f"/projects/{project.id}/funds/payments", data=form()).status_code == 302
    assert client.post(f"/funds/payments/{payment.id}/reverse", data={"reason": "越权"}).status_code == 404
    # the unit's own project page takes no payment of another project's ids
    login("unit1")
    assert client.get(f"/projects/{theirs.id}/funds").status_code == 404
    assert client.post(f"/projects/{theirs.id}/funds/payments", data=form()).status_code == 404
    login("agency1")  # engaged on the project: reads, never enters
    assert client.get(f"/projects/{project.id}/funds").status_code == 200
    assert client.post(f"/projects/{project.id}/funds/payments", data=form()).status_code == 404
    assert client.get("/funds/exceptions").status_code == 404
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).reversed_at is None
    assert db.session.scalar(select(func.count(Payment.id))) == 2


def test_a_crafted_post_naming_another_projects_contract_is_refused(client, login, project, contract, other_unit):
    theirs = contract("他人合同", "10", target=other_unit["project"])
    login("unit1")
    resp = client.post(f"/projects/{project.id}/funds/payments", data=form(contract=str(theirs.id)))
    assert resp.status_code == 422 and "本项目没有编号或名称为" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_the_fund_page_costs_the_same_statements_at_any_number_of_payments(
    app, client, login, project, contract, people
):
    ht = contract()
    project_id = project.id
    login("unit1")

    def add(n: int) -> None:
        rows = [
            {"paid_on": "2026-09-01", "amount": "1", "payee": "甲", "source": "central", "contract": str(ht.id)}
        ] * n
        imports.import_payments(people["users"]["unit1"], project, rows)
        db.session.commit()

    def statements() -> tuple[int, int]:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with app.app_context():  # a fresh context, as a request gets: its own session and `g`
                resp = client.get(f"/projects/{project_id}/funds")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert resp.status_code == 200
        return len(seen), resp.get_data(as_text=True).count('data-testid="payment"')

    add(3)
    few, shown = statements()
    assert shown == 3
    add(250)
    many, shown = statements()
    assert shown == 20
    # the user, the project, three sums, the dictionaries, a page of payments, the findings;
    # the contracts' cost-audited amounts (funds.caps); the layout's bell and inbox badge (the user's posts, the counts)
    assert few == many == 12, (few, many)


def test_a_department_lists_filters_and_exports_the_exceptions_it_sees(client, login, project, pay, people, other_unit):
    pay("10", voucher=False)  # no contract, no voucher, nothing arranged, 累计投资 0
    services.record_payment(other_unit["user"], other_unit["project"].id, form(payee='=HYPERLINK("x")', source="city"))
    db.session.commit()
    assert db.session.scalar(select(func.count(FundException.id))) == 8
    login("finance1")  # the city sees both projects
    page = client.get("/funds/exceptions").get_data(as_text=True)
    assert page.count('data-testid="exception-row"') == 8 and "未关联合同" in page
    page = client.get("/funds/exceptions?rule=no_voucher&source=city").get_data(as_text=True)
    assert page.count('data-testid="exception-row"') == 1 and other_unit["project"].name in page
    resp = client.get("/funds/exceptions.xlsx?rule=no_voucher")
    sheet = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 2 and {r[4] for r in rows} == {"支付缺少凭证"}
    cell = next(c for row in sheet.iter_rows(min_row=2) for c in row if str(c.value).startswith("2026-09-01 支付 ="))
    assert cell.data_type == "s"
    login("finance1_150202")  # 东河区's finance bureau: only the 东河区 project
    page = client.get("/funds/exceptions").get_data(as_text=True)
    assert page.count('data-testid="exception-row"') == 4 and project.name not in page
    login("other_unit")
    page = client.get("/funds/exceptions").get_data(as_text=True)
    assert page.count('data-testid="exception-row"') == 4 and project.name not in page
    region = people["projects"][0].region_id
    login("finance1")
    page = client.get(f"/funds/exceptions?region_id={region}").get_data(as_text=True)
    assert page.count('data-testid="exception-row"') == 4 and other_unit["project"].name not in page


def test_two_reversals_of_one_payment_at_once_make_one(app, project, pay, people):
    payment = pay("10")
    unit_id, payment_id = people["users"]["unit1"].id, payment.id

    def reverse():  # type: ignore[no-untyped-def]
        from zerolegwork.orgs.models import User

        return services.reverse_payment(db.session.get(User, unit_id), payment_id, "重复")

    results = run_together(app, reverse, reverse)
    assert sorted(type(r).__name__ for r in results) == ["Payment", "PaymentError"]
    assert all(isinstance(r, (Payment, PaymentError)) for r in results)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Payment.id))) == 2
    assert db.session.scalar(select(func.sum(Payment.amount))) == Decimal("0.0000")


def test_payments_entered_at_once_are_all_reconciled(app, project, contract, people):
    ht = contract("HT-2026-01", "15")
    unit_id, project_id = people["users"]["unit1"].id, project.id

    def enter():  # type: ignore[no-untyped-def]
        from zerolegwork.orgs.models import User

        return services.record_payment(
            db.session.get(User, unit_id), project_id, form(amount="10", contract=str(ht.id))
        )

    results = run_together(app, enter, enter)
    assert all(isinstance(r, Payment) for r in results), results
    db.session.expire_all()
    (over,) = db.session.scalars(select(FundException).where(FundException.rule == "contract_over"))
    assert over.figures["paid"] == "20.0000"
