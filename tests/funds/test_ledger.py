"""Payments entered, reversed and reconciled through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from tests.files import samples
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.files import services as files
from zerolegwork.funds import caps, imports, reconcile, services
from zerolegwork.funds.errors import PaymentError, PaymentFormError, PaymentNotFoundError
from zerolegwork.funds.models import FundException, Payment
from zerolegwork.records import services as records


def found(project) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    rows = db.session.scalars(
        select(FundException).where(FundException.project_id == project.id).order_by(FundException.id)
    )
    return [(r.rule, r.figures) for r in rows]


def rules_of(project) -> list[str]:  # type: ignore[no-untyped-def]
    return [rule for rule, _f in found(project)]


def test_a_contract_paid_beyond_its_amount_is_an_exception_and_within_it_is_not(project, contract, arrange, pay):
    arrange("1000")
    ht = contract("HT-2026-01", "120.0000")
    pay("120.0000", contract=str(ht.id))
    assert "contract_over" not in rules_of(project)
    pay("10.0000", contract=str(ht.id))
    (figures,) = [f for r, f in found(project) if r == "contract_over"]
    assert figures == {"title": "HT-2026-01", "amount": "120.0000", "paid": "130.0000", "excess": "10.0000"}


def test_the_cost_audited_amount_caps_a_contract_when_there_is_one(project, contract, arrange, pay, monkeypatch):
    arrange("1000")
    ht = contract("HT-2026-01", "120.0000")
    monkeypatch.setattr(caps, "audited_amounts", lambda ids: {ht.id: Decimal("100.0000")})
    pay("101.0000", contract=str(ht.id))
    (figures,) = [f for r, f in found(project) if r == "contract_over"]
    assert figures["audited"] == "100.0000" and figures["excess"] == "1.0000"


def test_a_source_paid_beyond_its_arrangements_is_an_exception(project, contract, arrange, pay):
    ht = contract()
    arrange("60", "central")
    arrange("40.5", "central")  # the arranged amount is the sum of the source's arrangements
    pay("100.5000", contract=str(ht.id))
    assert "source_over" not in rules_of(project)
    pay("0.0001", contract=str(ht.id), source="中央转移支付")  # the name works as well as the code
    (figures,) = [f for r, f in found(project) if r == "source_over"]
    assert figures == {"arranged": "100.5000", "paid": "100.5001", "excess": "0.0001"}


def test_cumulative_investment_is_checked_against_the_payments_when_a_progress_report_moves_it(
    project, contract, arrange, pay, people
):
    arrange("1000")
    ht = contract("HT-2026-01", "1000")
    pay("100.0000", contract=str(ht.id))
    assert "investment_mismatch" in rules_of(project)  # 累计投资 0, 100 paid
    answers = {"period": "2026-08", "investment_completed": "105.0000"}
    records.write("progress_report", project.id, answers, people["users"]["unit1"].id, None)
    db.session.commit()
    assert rules_of(project) == []  # within 10 % of 105
    answers = {"period": "2026-09", "investment_completed": "300.0000"}
    records.write("progress_report", project.id, answers, people["users"]["unit1"].id, None)
    db.session.commit()
    assert rules_of(project) == ["investment_mismatch"]


def test_payments_without_contract_or_voucher_are_flagged_until_given_one(project, contract, arrange, pay, people):
    arrange("1000")
    payment = pay("10.0000", voucher=False)
    assert rules_of(project) == ["investment_mismatch", "no_contract", "no_voucher"]
    services.attach_voucher(people["users"]["unit1"], payment.id, "凭证.pdf", io.BytesIO(samples.PDF))
    db.session.commit()
    assert "no_voucher" not in rules_of(project)
    files.withdraw(people["users"]["unit1"], payment.voucher_id)  # a withdrawn voucher is no voucher
    db.session.commit()
    assert "no_voucher" in rules_of(project)


def test_a_contract_filed_later_takes_part_at_once(project, contract, pay):
    pay("10.0000")
    assert "contract_over" not in rules_of(project)
    contract("HT-2026-02", "5")
    assert "contract_over" not in rules_of(project)  # the payment names no contract


def test_a_reversal_undoes_a_payment_keeps_both_entries_and_is_audited(project, contract, arrange, pay, people):
    arrange("10")
    ht = contract("HT-2026-01", "10")
    first = pay("10.0000", contract=str(ht.id))
    pay("5.0000", contract=str(ht.id))
    assert {"contract_over", "source_over"} <= set(rules_of(project))
    unit = people["users"]["unit1"]
    with pytest.raises(PaymentError, match="冲销原因"):
        services.reverse_payment(unit, first.id, "   ")
    db.session.rollback()
    reversal = services.reverse_payment(unit, first.id, "重复录入")
    db.session.commit()
    assert reversal.amount == Decimal("-10.0000") and reversal.reverses_id == first.id
    assert db.session.scalar(select(func.count(Payment.id))) == 3
    assert db.session.scalar(select(func.sum(Payment.amount))) == Decimal("5.0000")
    assert not {"contract_over", "source_over"} & set(rules_of(project))
    with pytest.raises(PaymentError, match="已冲销"):
        services.reverse_payment(unit, first.id, "再次冲销")
    db.session.rollback()
    with pytest.raises(PaymentError):
        services.reverse_payment(unit, reversal.id, "冲销冲销记录")
    db.session.rollback()
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("payment.%"))))
    assert actions.count("payment.create") == 2 and actions.count("payment.reverse") == 1


def test_only_the_entering_organisation_reverses_and_only_unit_and_finance_enter(project, pay, people):
    payment = pay("10.0000")
    for name in ("finance1", "env1", "agency1"):
        with pytest.raises(PaymentNotFoundError):
            services.reverse_payment(people["users"][name], payment.id, "越权冲销")
        db.session.rollback()
    for name in ("env1", "agency1"):
        with pytest.raises(PaymentNotFoundError):
            services.record_payment(people["users"][name], project.id, {"amount": "1"})
        db.session.rollback()
    by_finance = pay("3.0000", user="finance1")
    assert by_finance.org.code == "finance"


def test_bad_payment_fields_are_refused_in_chinese_and_nothing_is_kept(project, people, other_unit, contract):
    theirs = contract("他人合同", "10", target=other_unit["project"])
    form = {
        "paid_on": "2026-13-01",
        "amount": "-5",
        "payee": "",
        "source": "外星资金",
        "contract": str(theirs.id),
        "note": "x" * 3000,
    }
    with pytest.raises(PaymentFormError) as caught:
        services.record_payment(people["users"]["unit1"], project.id, form)
    db.session.rollback()
    errors = caught.value.errors
    assert set(errors) == {"paid_on", "amount", "payee", "source", "contract", "note"}
    assert "年-月-日" in errors["paid_on"] and "大于0" in errors["amount"] and "本项目没有" in errors["contract"]
    for amount, word in (("1.00001", "四位小数"), ("1e400", "大于0"), ("NaN", "大于0"), ("１２", None)):
        try:
            assert services.parse_amount(amount) == Decimal("12.0000")
        except ValueError as exc:
            assert word and word in str(exc), (amount, exc)
    with pytest.raises(ValueError, match="不能晚于"):
        services.parse_date("2026-10-01")
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_exact_sums_across_a_thousand_payments(project, people):
    amounts = [Decimal(f"{i}.{i % 10000:04d}") / 1000 for i in range(1, 1001)]
    amounts = [a.quantize(Decimal("0.0001")) + Decimal("0.0001") for a in amounts]
    rows = [
        {
            "row": i + 2,
            "paid_on": "2026-09-01",
            "amount": str(a),
            "payee": f"收款单位{i}",
            "source": ("central", "city")[i % 2],
        }
        for i, a in enumerate(amounts)
    ]
    payments = imports.import_payments(people["users"]["unit1"], project, rows)
    db.session.commit()
    assert len(payments) == 1000
    expected = sum(amounts, Decimal(0))
    by_source, count = reconcile.paid_by_source(project.id)
    assert count == 1000
    assert by_source["central"] + by_source["city"] == expected
    assert by_source["central"] == sum(amounts[0::2], Decimal(0))
    assert db.session.scalar(select(func.sum(Payment.amount))) == expected
    assert all(isinstance(p.amount, Decimal) for p in db.session.scalars(select(Payment)))
    (figures,) = [f for r, f in found(project) if r == "source_over" and f["paid"] == str(by_source["city"])]
    assert Decimal(figures["paid"]) == by_source["city"]


def test_reconciling_a_project_costs_the_same_statements_at_any_number_of_payments(project, people, contract):
    ht = contract()

    def statements() -> int:
        seen: list[str] = []
        assert project.cumulative_investment is not None  # the project as loaded by the change that reconciles
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            reconcile.refresh(project)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.session.commit()
        return len(seen)

    def add(n: int) -> None:
        rows = [
            {"paid_on": "2026-09-01", "amount": "1", "payee": "甲", "source": "central", "contract": str(ht.id)}
        ] * n
        imports.import_payments(people["users"]["unit1"], project, rows)
        db.session.commit()

    add(3)
    few = statements()
    add(300)
    many = statements()
    # paid by source, contracts, their cost-audited amounts (funds.caps), arrangements, flagged, DELETE, INSERT
    assert many == few == 7, (few, many)


def test_budget_arrangements_imported_through_the_api_reconcile_their_projects(app, project, pay):
    from zerolegwork.api import tokens
    from zerolegwork.api.models import TokenScope

    pay("50.0000")
    assert "source_over" in rules_of(project)
    _row, token = tokens.issue_token("finance", "财政一体化", (TokenScope.READ, TokenScope.BUDGET_WRITE))
    db.session.commit()
    item = {
        "project_id": project.id,
        "year": 2026,
        "amount": "50.0000",
        "source": "central",
        "document_no": "包财建〔2026〕15号",
        "arranged_on": "2026-03-15",
    }
    resp = app.test_client().post(
        "/api/v1/budget-arrangements", json=[item], headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 201
    db.session.expire_all()
    assert "source_over" not in rules_of(project)
