"""Errors of the projects domain."""


class ProjectNotFoundError(Exception):
    """The project does not exist, or the user may not see it."""


class ProjectStateError(Exception):
    """The project is not in a state that allows this action."""


class WithdrawRefusedError(Exception):
    """A department has already acted on this round; the submission can no longer be withdrawn."""
