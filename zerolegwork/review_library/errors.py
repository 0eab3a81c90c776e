"""What can go wrong in the review library; the messages are translated and shown as they are."""

from __future__ import annotations


class LibraryError(ValueError):
    """An action on the library was refused (an entry twice, a total that is not a positive amount …)."""


class LibraryNotFoundError(LookupError):
    """No such entry or call, or one the user may not see (the page answers 404)."""


class BudgetRefusedError(ValueError):
    """A budget arrangement refused whole; `errors` maps a form field to its message (nothing was written)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = errors


class BudgetConflictError(ValueError):
    """Someone else arranged budget on the call since the form was opened (409): reload and look again."""
