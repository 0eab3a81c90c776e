"""Process 7, acceptance (acceptance.bpmn): the chosen acceptances one after another."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import CONFIRM, acceptance, act, asked, data_of, returned, start

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path


def test_chosen_acceptances_run_in_order_specialist_joint_self(app, people):
    iid = start(people, "acceptance", {"acceptance": ["self", "specialist", "joint"]}).instance_id
    for kind in ["specialist", "joint", "self"]:
        assert asked(iid) == [("record_acceptance", "demo_unit", kind)]
        act(people, iid, "record_acceptance", acceptance(kind))
        result = act(people, iid, "check_acceptance", CONFIRM)
    assert result.status == "completed"
    assert [a["acceptance_type"] for a in result.data["acceptances_done"]] == ["specialist", "joint", "self"]


def test_a_returned_acceptance_goes_back_to_the_unit(app, people):
    iid = start(people, "acceptance", {"acceptance": ["joint"]}).instance_id
    act(people, iid, "record_acceptance", acceptance("joint"))
    act(people, iid, "check_acceptance", returned("验收报告缺少参建单位签字"))
    assert asked(iid) == [("record_acceptance", "demo_unit", "joint")]
    act(people, iid, "record_acceptance", acceptance("joint"))
    result = act(people, iid, "check_acceptance", CONFIRM)
    assert result.status == "completed"


def test_a_failed_acceptance_is_recorded_again_after_rectification(app, people):
    iid = start(people, "acceptance", {"acceptance": ["specialist"]}).instance_id
    act(people, iid, "record_acceptance", acceptance("specialist", "failed"))
    act(people, iid, "check_acceptance", CONFIRM)
    assert asked(iid) == [("record_acceptance", "demo_unit", "specialist")]
    act(people, iid, "record_acceptance", acceptance("specialist", "conditional"))
    result = act(people, iid, "check_acceptance", CONFIRM)
    assert result.status == "completed" and result.data["acceptances_done"][0]["result"] == "conditional"


def test_an_acceptance_of_another_type_is_returned_at_once(app, people):
    iid = start(people, "acceptance", {"acceptance": ["joint"]}).instance_id
    act(people, iid, "record_acceptance", acceptance("self"))
    assert asked(iid) == [("record_acceptance", "demo_unit", "joint")]
    assert "联合验收" in data_of(iid)["acceptance_check"]["opinion"]


def test_nothing_chosen_ends_at_once(app, people):
    result = start(people, "acceptance")
    assert result.status == "completed" and result.new_task_ids == []
