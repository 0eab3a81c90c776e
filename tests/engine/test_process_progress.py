"""Process 6, progress (progress.bpmn): period by period until construction is complete and confirmed."""

from __future__ import annotations

from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import CONFIRM, act, asked, data_of, progress_report, returned, start

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path

CHOSEN = {"progress": ["time", "investment", "image"]}


def test_periods_are_reported_until_construction_is_complete(app, people):
    iid = start(people, "progress", CHOSEN).instance_id
    assert data_of(iid)["progress_fields"] == ["time_progress", "investment_completed", "image_note"]
    for period in ["2026-06", "2026-07"]:
        assert asked(iid) == [("report_progress", "demo_unit", "")]
        act(people, iid, "report_progress", progress_report(period))
        act(people, iid, "check_progress", CONFIRM)
    act(people, iid, "report_progress", progress_report("2026-08", complete=True))
    result = act(people, iid, "check_progress", CONFIRM)
    assert result.status == "completed"
    assert [(r["period"], r["construction_complete"]) for r in result.data["progress_reports"]] == [
        ("2026-06", False),
        ("2026-07", False),
        ("2026-08", True),
    ]


def test_a_returned_report_goes_back_even_when_complete_is_ticked(app, people):
    iid = start(people, "progress", CHOSEN).instance_id
    act(people, iid, "report_progress", progress_report("2026-08", complete=True))
    act(people, iid, "check_progress", returned("尚有附属工程未完工"))
    assert asked(iid) == [("report_progress", "demo_unit", "")]
    act(people, iid, "report_progress", progress_report("2026-08"))
    act(people, iid, "check_progress", CONFIRM)
    assert asked(iid) == [("report_progress", "demo_unit", "")]  # the next period
    assert data_of(iid)["progress_reports"][0]["construction_complete"] is False


def test_a_report_missing_a_chosen_dimension_is_returned_at_once(app, people):
    iid = start(people, "progress", CHOSEN).instance_id
    act(people, iid, "report_progress", progress_report("2026-06", investment_completed="", image_note=""))
    assert asked(iid) == [("report_progress", "demo_unit", "")]
    opinion = data_of(iid)["progress_check"]["opinion"]
    assert "累计完成投资" in opinion and "形象进度说明" in opinion and "时间进度" not in opinion


def test_dimensions_not_chosen_may_stay_blank(app, people):
    iid = start(people, "progress", {"progress": ["funds"]}).instance_id
    act(people, iid, "report_progress", {"period": "2026-06", "funds_disbursed": "500", "construction_complete": True})
    assert asked(iid) == [("check_progress", "ndrc", "")]


def test_nothing_chosen_ends_at_once(app, people):
    result = start(people, "progress")
    assert result.status == "completed" and result.new_task_ids == []
