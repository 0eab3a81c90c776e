"""What can go wrong when an administrator changes the holiday calendar."""

from __future__ import annotations


class CalendarError(ValueError):
    """A calendar change was refused; the message is translated and shown as it is."""


class CalendarForbiddenError(PermissionError):
    """The user is not a platform administrator (the page answers 404)."""
