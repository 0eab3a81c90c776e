"""Process 4, bidding and procurement (procurement.bpmn): one record per chosen procurement type, in parallel."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import CONFIRM, act, asked, procurement, returned, start

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path


def test_each_chosen_type_is_recorded_and_confirmed(app, people):
    iid = start(people, "procurement", {"procurement": ["works", "services"]}).instance_id
    assert asked(iid) == [("record_procurement", "demo_unit", "services"), ("record_procurement", "demo_unit", "works")]
    for kind in ["works", "services"]:
        act(people, iid, "record_procurement", procurement(kind), procurement_type=kind)
        result = act(people, iid, "check_procurement", CONFIRM, procurement_type=kind)
    assert result.status == "completed"
    assert [p["procurement_type"] for p in result.data["procurement_filed"]] == ["works", "services"]


def test_a_returned_record_goes_back_to_the_unit(app, people):
    iid = start(people, "procurement", {"procurement": ["goods"]}).instance_id
    act(people, iid, "record_procurement", procurement("goods"))
    act(people, iid, "check_procurement", returned("中标金额与中标通知书不符"))
    assert asked(iid) == [("record_procurement", "demo_unit", "goods")]
    act(people, iid, "record_procurement", {**procurement("goods"), "award_amount": "9600.0000"})
    result = act(people, iid, "check_procurement", CONFIRM)
    assert result.status == "completed" and result.data["procurement_filed"][0]["award_amount"] == "9600.0000"


def test_a_record_of_another_type_is_returned_at_once(app, people):
    iid = start(people, "procurement", {"procurement": ["goods"]}).instance_id
    act(people, iid, "record_procurement", procurement("works"))
    assert asked(iid) == [("record_procurement", "demo_unit", "goods")]


def test_nothing_chosen_ends_at_once(app, people):
    result = start(people, "procurement")
    assert result.status == "completed" and result.new_task_ids == []
