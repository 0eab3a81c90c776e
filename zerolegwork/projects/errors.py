"""Errors of the projects domain."""


class ProjectNotFoundError(Exception):
    """The project does not exist, or the user may not see it."""


class ProjectStateError(Exception):
    """The project is not in a state that allows this action."""
