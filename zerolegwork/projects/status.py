"""What a project's status says: its state read together with where its lifecycle stands.

`Project.state` alone says `in_approval` from the moment the unit starts its processes, which
on screen read as 并联会签中 while the unit was still filling in its information. The label
follows the lifecycle's stage (bpmn/lifecycle.bpmn `lifecycle_stage`), so it is never ahead of it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# (state, stage) -> label; stage None: any other stage of that state. A project submitted to the joint
# sign-off on its own has no lifecycle stage; in its lifecycle the sign-off is part of `investment`.
_LABELS: dict[tuple[str, str | None], Any] = {
    ("draft", None): _l("Draft"),
    ("in_approval", "information"): _l("Project information being filled in"),
    ("in_approval", "investment"): _l("Investment under review"),
    ("in_approval", None): _l("In joint sign-off"),
    ("returned", None): _l("Returned to the unit"),
    ("approved", "preparation"): _l("Approved · preparation"),
    ("approved", "construction"): _l("Approved · under construction"),
    ("approved", "acceptance"): _l("Approved · acceptance"),
    ("approved", "performance"): _l("Approved · performance evaluation"),
    ("approved", None): _l("Approved"),
    ("closed", "completed"): _l("Completed"),
    ("closed", None): _l("Closed"),
}

# the states a list can be filtered by, with the words the status uses for them
STATE_FILTERS: tuple[tuple[str, Any], ...] = (
    ("draft", _l("Draft")),
    ("in_approval", _l("Under way (information, investment, sign-off)")),
    ("approved", _l("Approved")),
    ("returned", _l("Returned to the unit")),
    ("closed", _l("Closed")),
)


def status_label(state: str, stage: str | None) -> str:
    """The project's status as people read it (项目信息填报中, 投资审核中, 并联会签中, 已通过 …)."""
    label = _LABELS.get((state, stage)) or _LABELS.get((state, None))
    return str(label) if label is not None else str(_l("Unknown status"))


def project_status(project: Any) -> str:
    """status_label() of a project row (a template global)."""
    return status_label(str(project.state), project.stage)
