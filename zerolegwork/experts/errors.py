"""What can go wrong with panels, draws and scores; the views map each to a status and a Chinese message."""

from __future__ import annotations


class PanelError(ValueError):
    """A panel action is refused; the message is already translated (422)."""


class DrawShortfallError(PanelError):
    """Too few candidates of a specialty are left for the mix."""

    def __init__(self, message: str, specialty: str, needed: int, available: int) -> None:
        super().__init__(message)
        self.specialty = specialty
        self.needed = needed
        self.available = available


class PanelConcludedError(PanelError):
    """The panel is concluded (综合评定): nothing about its scores may change any more (409)."""


class FormError(ValueError):
    """Input is wrong; `errors` maps each field to its translated message (422)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
