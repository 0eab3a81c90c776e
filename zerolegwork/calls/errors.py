"""What can go wrong with a call or an application; the messages are translated and shown as they are."""

from __future__ import annotations


class CallError(ValueError):
    """An action on a call or an application was refused (late, early, out of scope, incomplete, twice …)."""


class CallFormError(ValueError):
    """A call's form with invalid fields; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


class CallNotFoundError(LookupError):
    """The call or application does not exist, or the user may not see it (the page answers 404)."""
