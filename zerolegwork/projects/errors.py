"""Errors of the projects domain."""


class ProjectNotFoundError(Exception):
    """The project does not exist, or the user may not see it."""


class ProjectStateError(Exception):
    """The project is not in a state that allows this action."""


class WithdrawRefusedError(Exception):
    """A department has already acted on this round; the submission can no longer be withdrawn."""


class ProjectFormError(Exception):
    """A project form with invalid fields; `errors` maps field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors
