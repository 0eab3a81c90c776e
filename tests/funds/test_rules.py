"""Each reconciliation rule with figures that pass and figures that fail, and what a finding says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from zerolegwork.funds import rules
from zerolegwork.funds.models import ExceptionRule

D = Decimal


def ledger(**fields: object) -> rules.Ledger:
    values: dict[str, object] = {"cumulative_investment": D("0"), "tolerance_percent": D("10"), "rows": 1}
    values.update(fields)
    return rules.Ledger(**values)  # type: ignore[arg-type]


def test_payments_on_a_contract_up_to_its_amount_pass_and_beyond_it_fail():
    at_cap = ledger(contracts=[rules.ContractFigures(1, "HT-2026-01", D("120.0000"), D("120.0000"))])
    assert rules.contract_over(at_cap) == []
    over = ledger(contracts=[rules.ContractFigures(1, "HT-2026-01", D("120.0000"), D("120.0001"))])
    (finding,) = rules.contract_over(over)
    assert finding.rule == ExceptionRule.CONTRACT_OVER and finding.contract_id == 1
    assert finding.figures == {"title": "HT-2026-01", "amount": "120.0000", "paid": "120.0001", "excess": "0.0001"}


def test_an_audited_amount_below_the_contract_is_the_cap():
    audited = rules.ContractFigures(1, "HT-2026-01", D("120.0000"), D("115.0000"), audited=D("110.0000"))
    (finding,) = rules.contract_over(ledger(contracts=[audited]))
    assert finding.figures["audited"] == "110.0000" and finding.figures["excess"] == "5.0000"
    within = rules.ContractFigures(1, "HT-2026-01", D("120.0000"), D("110.0000"), audited=D("110.0000"))
    assert rules.contract_over(ledger(contracts=[within])) == []


def test_payments_from_a_source_up_to_the_arranged_amount_pass_and_beyond_it_fail():
    fine = ledger(arranged={"central": D("100")}, paid_by_source={"central": D("100.0000")})
    assert rules.source_over(fine) == []
    over = ledger(arranged={"central": D("100")}, paid_by_source={"central": D("60"), "city": D("0.5")})
    (finding,) = rules.source_over(over)  # nothing was arranged from the city's money
    assert finding.source == "city" and finding.figures == {"arranged": "0.0000", "paid": "0.5000", "excess": "0.5000"}


def test_cumulative_investment_within_the_tolerance_passes_and_beyond_it_fails():
    edge = ledger(cumulative_investment=D("500"), paid_by_source={"central": D("450")})  # 10 % of 500 = 50
    assert rules.investment_mismatch(edge) == []
    above = ledger(cumulative_investment=D("500"), paid_by_source={"central": D("550")})
    assert rules.investment_mismatch(above) == []
    beyond = ledger(cumulative_investment=D("500"), paid_by_source={"central": D("449.9999")})
    (finding,) = rules.investment_mismatch(beyond)
    assert finding.figures == {
        "cumulative": "500.0000",
        "paid": "449.9999",
        "difference": "50.0001",
        "tolerance": "10",
        "allowed": "50.0000",
    }
    strict = ledger(cumulative_investment=D("500"), tolerance_percent=D("0"), paid_by_source={"central": D("500")})
    assert rules.investment_mismatch(strict) == []


def test_payments_without_a_contract_or_voucher_are_flagged_once_each():
    flagged = [
        rules.FlaggedPayment(7, date(2026, 3, 2), D("100"), "甲公司", "central", has_contract=False, has_voucher=True),
        rules.FlaggedPayment(8, date(2026, 3, 3), D("5"), "乙公司", "city", has_contract=True, has_voucher=False),
        rules.FlaggedPayment(9, date(2026, 3, 4), D("1"), "丙公司", "city", has_contract=False, has_voucher=False),
    ]
    found = [(f.rule, f.payment_id) for f in rules.unlinked(ledger(flagged=flagged))]
    assert found == [("no_contract", 7), ("no_voucher", 8), ("no_contract", 9), ("no_voucher", 9)]
    assert rules.unlinked(ledger(flagged=[])) == []


def test_a_project_without_payments_has_nothing_to_reconcile():
    assert rules.check(ledger(rows=0, cumulative_investment=D("900"))) == []
    assert [f.rule for f in rules.check(ledger(rows=1, cumulative_investment=D("900")))] == ["investment_mismatch"]


def test_each_finding_names_its_figures_and_records_in_chinese(app):
    labels = {"central": "中央转移支付"}
    contract = rules.contract_over(ledger(contracts=[rules.ContractFigures(1, "HT-2026-01", D("120"), D("130"))]))
    text = rules.describe(contract[0].rule, contract[0].figures, labels)
    assert text == "合同 HT-2026-01 金额 120.0000 万元，已支付 130.0000 万元，超出 10.0000 万元。"
    source = rules.source_over(ledger(arranged={"central": D("100")}, paid_by_source={"central": D("130")}))
    text = rules.describe(source[0].rule, source[0].figures, labels, source[0].source)
    assert text == "资金来源 中央转移支付 已安排 100.0000 万元，已支付 130.0000 万元，超出 30.0000 万元。"
    mismatch = rules.investment_mismatch(ledger(cumulative_investment=D("500"), paid_by_source={"central": D("300")}))
    text = rules.describe(mismatch[0].rule, mismatch[0].figures, labels)
    assert (
        text
        == "累计投资 500.0000 万元，已支付合计 300.0000 万元，相差 200.0000 万元，超出允许偏差 10%（50.0000 万元）。"
    )
    flagged = [rules.FlaggedPayment(7, date(2026, 3, 2), D("100"), "甲公司", "central", False, False)]
    texts = [rules.describe(f.rule, f.figures, labels) for f in rules.unlinked(ledger(flagged=flagged))]
    assert texts == [
        "2026-03-02 支付 甲公司 100.0000 万元，未关联合同。",
        "2026-03-02 支付 甲公司 100.0000 万元，缺少支付凭证。",
    ]
