"""What the composer refuses, as types; `message()` is what the user reads (translated, Chinese by default)."""

from __future__ import annotations

from flask_babel import gettext as _

from .catalog import MAX_DIMENSIONS, MAX_MEASURES


class ReportDefinitionError(ValueError):
    """A definition the composer refuses; `message()` is what the user reads (translated, Chinese by default)."""

    def __init__(self, name: object = "") -> None:
        self.name = str(name)[:40]
        super().__init__(self.name)

    def message(self) -> str:
        return _("The report definition is not valid.")


class UnknownDimensionError(ReportDefinitionError):
    def message(self) -> str:
        return _("Unknown row header (dimension): %(name)s", name=self.name)


class UnknownMeasureError(ReportDefinitionError):
    def message(self) -> str:
        return _("Unknown column header (measure): %(name)s", name=self.name)


class DuplicateChoiceError(ReportDefinitionError):
    def message(self) -> str:
        return _("%(name)s is chosen twice.", name=self.name)


class TooManyDimensionsError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at most %(n)s row headers.", n=MAX_DIMENSIONS)


class TooManyMeasuresError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at most %(n)s column headers.", n=MAX_MEASURES)


class NoDimensionError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at least one row header.")


class NoMeasureError(ReportDefinitionError):
    def message(self) -> str:
        return _("Choose at least one column header.")


class MeasureNotBySourceError(ReportDefinitionError):
    def message(self) -> str:
        return _(
            "%(name)s belongs to the whole project and cannot be split by funding source; "
            "remove it or the funding-source row header.",
            name=self.name,
        )


class DefinitionNameError(ReportDefinitionError):
    def message(self) -> str:
        if self.name == "too_many":
            return _("You have too many saved reports; delete some.")
        return _("Give the report a name.")


class ReportDefinitionNotFoundError(LookupError):
    """A saved definition that does not exist or that the user may not see (or not change)."""


class ExportUnreadableError(ValueError):
    """A file that is not a composed-report export (no definition, as-of time or checksum in it)."""


class AsOfError(ReportDefinitionError):
    def message(self) -> str:
        return _("Enter the as-of date as YYYY-MM-DD.")
