"""What can go wrong with the exchange log."""

from __future__ import annotations


class MessageNotFoundError(LookupError):
    """No such exchange message (the page answers 404)."""


class MessageNotFailedError(ValueError):
    """Only a message that failed for good may be replayed; `state` is what it is now."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state
