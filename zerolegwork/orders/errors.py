"""What can go wrong issuing and viewing service orders; the views map each to a status and a Chinese message."""

from __future__ import annotations


class OrderFormError(ValueError):
    """The order form is refused: field -> translated message (422, the form shown again)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class OrderNotFoundError(LookupError):
    """No such order or project, or not one the user may see or act on (404: it does not leak)."""
