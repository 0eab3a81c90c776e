"""Errors of the inbox: a task claimed by someone else, a countersign that cannot be taken, a return without reason.

Each carries its Chinese message; zerolegwork/errors.py maps them to HTTP answers.
"""

from __future__ import annotations

from flask_babel import gettext as _

from .models import MAX_INVITES


class TaskClaimedError(Exception):
    """Someone else has claimed the task: only they (or their substitute today) may act on it."""

    def __init__(self, task_id: int, holder_id: int, holder_name: str) -> None:
        super().__init__(f"task {task_id} is claimed by user {holder_id}")
        self.task_id = task_id
        self.holder_id = holder_id
        self.holder_name = holder_name

    def message(self) -> str:
        return _("This task has been claimed by %(name)s.", name=self.holder_name)


class CountersignError(Exception):
    """A countersign action that cannot be taken; `reason` names which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def message(self) -> str:
        return {
            "pending": _("Countersigning posts have not all signed yet; the step can be completed after they have."),
            "no_posts": _("Choose at least one post of your department to countersign."),
            "too_many": _("At most %(n)s posts can be asked at once.", n=MAX_INVITES),
            "foreign_post": _("Choose a post of your own department."),
            "own_post": _("The post holding the task cannot countersign it."),
            "decision": _("Choose agree or disagree."),
            "opinion": _("Give your opinion (at most 2000 characters)."),
        }.get(self.reason, _("Something went wrong."))


class ReasonRequiredError(ValueError):
    """A return without a reason."""


class DraftTooLargeError(Exception):
    """A draft past the size a form can hold: refused whole, the draft saved before is kept."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"draft of {size} bytes, limit {limit}")
        self.size = size
        self.limit = limit

    def message(self) -> str:
        return _(
            "The draft is too large to keep (at most %(kb)s KB); what was saved before is kept.", kb=self.limit // 1024
        )
