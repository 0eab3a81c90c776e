"""What can go wrong when an administrator changes a dictionary."""

from __future__ import annotations


class DictionaryError(ValueError):
    """A dictionary change was refused; the message is translated and shown as it is."""


class DictionaryForbiddenError(PermissionError):
    """The user is not a platform administrator (the page answers 404)."""
