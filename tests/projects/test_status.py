"""The project status shown follows the lifecycle, never ahead of it (projects/status.py)."""

from __future__ import annotations

import pytest

from zerolegwork.projects.status import status_label


@pytest.mark.parametrize(
    ("state", "stage", "shown"),
    [
        ("draft", None, "草稿"),
        ("in_approval", "information", "项目信息填报中"),
        ("in_approval", "investment", "投资审核中"),
        ("in_approval", None, "并联会签中"),  # submitted to the joint sign-off on its own
        ("returned", "information", "已退回项目单位"),
        ("approved", None, "已通过"),
        ("approved", "preparation", "已通过 · 前期准备中"),
        ("approved", "construction", "已通过 · 建设实施中"),
        ("closed", "completed", "已完结"),
        ("closed", "closed", "已关闭"),
        ("something_new", None, "状态未知"),
    ],
)
def test_the_status_reads_the_state_with_the_lifecycle_stage(app, state, stage, shown):
    with app.test_request_context("/"):
        assert status_label(state, stage) == shown
