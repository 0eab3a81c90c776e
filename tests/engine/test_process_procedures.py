"""Process 2, procedures (procedures.bpmn): one filing per chosen procedure, in parallel."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import CONFIRM, act, asked, data_of, procedure_document, ready, returned, start

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path


def test_each_chosen_procedure_is_filed_and_confirmed(app, people):
    iid = start(people, "procedures", {"procedures": ["proposal", "feasibility", "land_use"]}).instance_id
    assert asked(iid) == [
        ("record_procedure", "demo_unit", "feasibility"),
        ("record_procedure", "demo_unit", "land_use"),
        ("record_procedure", "demo_unit", "proposal"),
    ]
    act(people, iid, "record_procedure", procedure_document("land_use"), procedure="land_use")
    act(people, iid, "record_procedure", procedure_document("proposal"), procedure="proposal")
    assert [t.org_code for t in ready(iid, "check_procedure")] == ["ndrc", "ndrc"]
    for p in ["proposal", "land_use"]:
        act(people, iid, "check_procedure", CONFIRM, procedure=p)
    act(people, iid, "record_procedure", procedure_document("feasibility"), procedure="feasibility")
    result = act(people, iid, "check_procedure", CONFIRM, procedure="feasibility")
    assert result.status == "completed"
    assert [f["procedure"] for f in result.data["procedures_filed"]] == ["proposal", "land_use", "feasibility"]


def test_a_returned_filing_goes_back_to_the_unit(app, people):
    iid = start(people, "procedures", {"procedures": ["planning"]}).instance_id
    act(people, iid, "record_procedure", procedure_document("planning"))
    act(people, iid, "check_procedure", returned("规划许可证号有误"))
    assert asked(iid) == [("record_procedure", "demo_unit", "planning")]
    act(people, iid, "record_procedure", {**procedure_document("planning"), "document_no": "建字第150200202600012号"})
    result = act(people, iid, "check_procedure", CONFIRM)
    assert result.status == "completed" and len(result.data["procedures_filed"]) == 1


def test_a_filing_for_another_procedure_is_returned_at_once(app, people):
    iid = start(people, "procedures", {"procedures": ["permits"]}).instance_id
    act(people, iid, "record_procedure", procedure_document("planning"))
    assert asked(iid) == [("record_procedure", "demo_unit", "permits")]
    assert "施工许可" in data_of(iid)["procedure_check"]["opinion"]


def test_nothing_chosen_ends_at_once(app, people):
    result = start(people, "procedures", {"procedures": []})
    assert result.status == "completed" and result.new_task_ids == []
    assert result.data["procedures_filed"] == []
