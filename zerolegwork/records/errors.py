"""What can go wrong when a form's answers become a record."""

from __future__ import annotations

from ..engine.forms import FormValidationError


class RecordError(ValueError):
    """A record cannot be written."""


class UnknownRecordKindError(RecordError, LookupError):
    """A form declares a record kind this platform does not know."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown record kind {kind!r}")
        self.kind = kind


class RecordValidationError(RecordError, FormValidationError):
    """The answers do not make a valid record; `errors` maps field name to a translated message.

    A FormValidationError too, so a task page that shows form errors shows these the same way.
    """


class RecordProjectMissingError(RecordError, LookupError):
    """The project a record is written for does not exist."""

    def __init__(self, project_id: int) -> None:
        super().__init__(f"project {project_id} does not exist")
        self.project_id = project_id
