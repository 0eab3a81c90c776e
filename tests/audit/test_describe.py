"""Audit events in words: labelled details, states and decisions in Chinese, no class names (audit/describe.py)."""

from __future__ import annotations

from zerolegwork.audit import describe


def _lines(app, detail):
    with app.test_request_context("/"):
        return [(line.label, line.text) for line in describe.detail_lines(detail)]


def test_a_state_change_reads_old_to_new_in_chinese(app):
    assert _lines(app, {"before": "in_approval", "after": "approved"}) == [("变更", "审核中 → 已通过")]


def test_a_task_completion_lists_the_form_answers_by_field_label(app):
    detail = {
        "instance": 7,
        "task": "record_procedure",
        "answers": {"procedure": "feasibility", "document_no": "包发改〔2026〕3号", "department": "ndrc"},
    }
    assert _lines(app, detail) == [
        ("流程编号", "7"),
        ("手续种类", "可行性研究报告"),
        ("文号", "包发改〔2026〕3号"),
    ]


def test_an_exception_text_and_unknown_machine_values_are_not_shown(app):
    lines = _lines(app, {"reason": "WorkflowTaskException: Error evaluating 'x'", "some_flag": "on_hold"})
    assert lines[0] == ("事由", "流程规则运行出错（技术细节已留存，供管理员查看）")
    assert lines[1] == ("其他信息", "（内部值）")


def test_actions_and_objects_without_a_label_are_named_by_kind(app):
    with app.test_request_context("/"):
        assert describe.action_label("report.project_pdf") == "生成项目报告"
        assert describe.action_label("made.up_action") == "其他操作"
        assert describe.object_label("made_up") == "其他对象"
