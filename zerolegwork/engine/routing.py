"""Who may act on a human task: a lane names a role, the task data names the organisation."""

from __future__ import annotations

from typing import Any, Protocol


class Actor(Protocol):
    id: int

    @property
    def org_code(self) -> str: ...


def org_for_task(lane: str, data: dict[str, Any]) -> str:
    """Return the organisation code that acts on a task in `lane`.

    The convention (docs/bpmn-conventions.md): a lane's name is a role such as `project_unit`
    or `department`, and the task's data carries the acting organisation's code under the
    same name. Inside a multi-instance task the input data item is named after the lane, so
    each child carries its own department.
    """
    value = data.get(lane)
    if isinstance(value, str) and value:
        return value
    return ""


def may_act(actor_org_code: str, task_org_code: str) -> bool:
    """Tell whether a member of `actor_org_code` may complete a task routed to `task_org_code`."""
    return bool(task_org_code) and actor_org_code == task_org_code
