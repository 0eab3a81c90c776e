"""check-bpmn's reasons in Chinese on the pages (engine/reasons.py): every known pattern, nested ones, unknown as is."""

from __future__ import annotations

import pytest

from zerolegwork.engine.reasons import in_words


@pytest.fixture
def zh(app):  # type: ignore[no-untyped-def]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        yield


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("user task has no formKey property", "用户任务缺少 formKey（表单）属性。"),
        ("form 'investment_pla' not found in forms/", "forms/ 中没有表单 investment_pla。"),
        ("user task is not in a lane", "用户任务不在任何泳道中。"),
        ("lane name 'Finance' is not a snake_case role", "泳道名 Finance 不是 snake_case 格式的角色名。"),
        ("process id also defined in other.bpmn", "此流程 ID 也在 other.bpmn 中定义。"),
        ("malformed XML: mismatched tag", "XML 格式错误：mismatched tag"),
        ("condition refused: operator ** is not allowed", "条件未通过检查：不允许使用运算符 **。"),
        ("script refused: open is not an allowed function or name", "脚本未通过检查：open 不是允许使用的函数或名称。"),
        (
            "DMN expression refused (called by route in signoff.bpmn): syntax error on line 1: invalid syntax",
            "决策表表达式未通过检查（由 signoff.bpmn 中的 route 调用）：第 1 行语法错误：invalid syntax",
        ),
        (
            "script refused: a power of about 100000000 digits (**) is over the limit of 10000 digits",
            "脚本未通过检查：乘方（**）结果约 100000000 位，超过 10000 位的上限。",
        ),
        ("The condition 'x >' could not be parsed", "The condition 'x >' could not be parsed"),  # SpiffWorkflow's own
    ],
)
def test_a_reason_is_shown_in_chinese_with_its_parts_kept(zh, reason, says):
    assert in_words(reason) == says


def test_every_reason_the_catalog_gives_for_a_broken_diagram_is_put_in_words(zh):
    from zerolegwork.engine.catalog import Problem

    problem = Problem("x.bpmn", "task_1", "timer refused: import is not allowed")
    assert in_words(problem.reason) == "timer未通过检查：不允许使用 import。"  # an unknown `what` kept as it is
