"""What can go wrong with the fund ledger; the messages are translated and shown as they are."""

from __future__ import annotations


class PaymentError(ValueError):
    """An action on a payment was refused (already reversed, no reason given …)."""


class PaymentFormError(ValueError):
    """A payment's form with invalid fields; `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


class PaymentImportError(ValueError):
    """A payment workbook refused whole; `problems` are (row as Excel numbers it, 0 for the file; message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(m for _r, m in problems))
        self.problems = problems


class PaymentNotFoundError(LookupError):
    """The payment does not exist, or the user may not see or change it (the page answers 404)."""
