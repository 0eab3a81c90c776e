"""Process 5, contract filing (contracts.bpmn): contract by contract while the unit says more follow."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import CONFIRM, act, asked, contract, returned, start

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path

CHOSEN = {"contracts": ["contract_filing"]}


def test_contracts_are_filed_until_the_unit_says_done(app, people):
    iid = start(people, "contracts", CHOSEN).instance_id
    assert asked(iid) == [("record_contract", "demo_unit", "")]
    act(people, iid, "record_contract", contract("施工合同"))
    act(people, iid, "check_contract", CONFIRM)
    assert asked(iid) == [("next_contract", "demo_unit", "")]
    act(people, iid, "next_contract", {"next_step": "more", "note": "监理合同已签订"})
    act(people, iid, "record_contract", {**contract("监理合同"), "contract_type": "监理", "amount": "180.0000"})
    act(people, iid, "check_contract", CONFIRM)
    result = act(people, iid, "next_contract", {"next_step": "done"})
    assert result.status == "completed"
    assert [(c["title"], c["amount"]) for c in result.data["contracts_filed"]] == [
        ("施工合同", "9650.5000"),
        ("监理合同", "180.0000"),
    ]


def test_a_returned_contract_goes_back_to_the_unit(app, people):
    iid = start(people, "contracts", CHOSEN).instance_id
    act(people, iid, "record_contract", contract())
    act(people, iid, "check_contract", returned("合同扫描件缺少签章页"))
    assert asked(iid) == [("record_contract", "demo_unit", "")]
    act(people, iid, "record_contract", contract())
    act(people, iid, "check_contract", CONFIRM)
    result = act(people, iid, "next_contract", {"next_step": "done"})
    assert result.status == "completed" and len(result.data["contracts_filed"]) == 1


def test_nothing_chosen_ends_at_once(app, people):
    result = start(people, "contracts")
    assert result.status == "completed" and result.new_task_ids == []
