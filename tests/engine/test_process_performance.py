"""Process 8, performance evaluation (performance.bpmn): goals → monitoring → evaluations → key → use, each if chosen."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import (
    CONFIRM,
    GOALS,
    RESULTS_USE,
    act,
    asked,
    evaluation,
    returned,
    start,
)

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path

EVERYTHING = {
    "performance": ["goals", "monitoring", "self_evaluation", "third_party", "key_evaluation", "use_of_results"],
}


def test_every_chosen_step_in_order(app, people):
    iid = start(people, "performance", EVERYTHING).instance_id
    assert asked(iid) == [("set_goals", "demo_unit", "")]
    act(people, iid, "set_goals", GOALS)
    act(people, iid, "check_goals", CONFIRM)
    for stage in ["monitoring", "self", "third_party"]:
        assert asked(iid) == [("record_evaluation", "demo_unit", stage)]
        act(people, iid, "record_evaluation", evaluation(stage))
        act(people, iid, "check_evaluation", CONFIRM)
    assert asked(iid) == [("key_evaluation", "ndrc", "")]
    act(people, iid, "key_evaluation", evaluation("key", "88"))
    assert asked(iid) == [("use_of_results", "ndrc", "")]
    result = act(people, iid, "use_of_results", RESULTS_USE)
    assert result.status == "completed"
    assert [e["stage"] for e in result.data["performance_evaluations"]] == ["monitoring", "self", "third_party"]
    assert result.data["performance_goals"]["indicators"][0]["name"] == "道路改造长度"
    assert result.data["key_evaluation"]["score"] == "88"


def test_returned_goals_and_evaluations_go_back_to_the_unit(app, people):
    iid = start(people, "performance", {"performance": ["goals", "self_evaluation"]}).instance_id
    act(people, iid, "set_goals", GOALS)
    act(people, iid, "check_goals", returned("指标不够量化"))
    assert asked(iid) == [("set_goals", "demo_unit", "")]
    act(people, iid, "set_goals", GOALS)
    act(people, iid, "check_goals", CONFIRM)
    act(people, iid, "record_evaluation", evaluation("self"))
    act(people, iid, "check_evaluation", returned("自评得分依据不足"))
    assert asked(iid) == [("record_evaluation", "demo_unit", "self")]
    act(people, iid, "record_evaluation", evaluation("monitoring"))  # wrong stage: returned at once
    assert asked(iid) == [("record_evaluation", "demo_unit", "self")]
    act(people, iid, "record_evaluation", evaluation("self", "85"))
    result = act(people, iid, "check_evaluation", CONFIRM)
    assert result.status == "completed" and result.data["performance_evaluations"][0]["score"] == "85"


def test_only_department_steps_chosen(app, people):
    iid = start(people, "performance", {"performance": ["key_evaluation", "use_of_results"]}).instance_id
    assert asked(iid) == [("key_evaluation", "ndrc", "")]
    act(people, iid, "key_evaluation", evaluation("self"))  # not the key stage: asked again
    assert asked(iid) == [("key_evaluation", "ndrc", "")]
    act(people, iid, "key_evaluation", evaluation("key"))
    result = act(people, iid, "use_of_results", RESULTS_USE)
    assert result.status == "completed"


def test_nothing_chosen_ends_at_once(app, people):
    result = start(people, "performance")
    assert result.status == "completed" and result.new_task_ids == []
