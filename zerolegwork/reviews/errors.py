"""What can go wrong starting and viewing reviews; the views map each to a status and a Chinese message."""

from __future__ import annotations


class ReviewError(ValueError):
    """A review action is refused; the message is already translated (422)."""


class ReviewNotFoundError(LookupError):
    """No such review case, or not one the user may see (404: it does not leak)."""
