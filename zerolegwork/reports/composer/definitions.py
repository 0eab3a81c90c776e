"""A report definition (dimension and measure ids, library filters), checked against the catalog; its as-of time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from ...db import utcnow
from ...i18n import SHANGHAI
from ...projects import library
from .catalog import DIMENSIONS, MAX_DIMENSIONS, MAX_MEASURES, MEASURES
from .errors import (
    AsOfError,
    DuplicateChoiceError,
    MeasureNotBySourceError,
    NoDimensionError,
    NoMeasureError,
    ReportDefinitionError,
    TooManyDimensionsError,
    TooManyMeasuresError,
    UnknownDimensionError,
    UnknownMeasureError,
)

FILTER_NAMES = (
    "q",
    "region_id",
    "level",
    "category",
    "investment_policy",
    "industry_type",
    "construction_mode",
    "investment_mode",
    "management_status",
    "state",
    "stage",
    "competent_department_id",
)


@dataclass(frozen=True)
class Definition:
    """What a report shows: dimension ids in order, measure ids in order, library filters (canonical)."""

    dims: tuple[str, ...]
    measures: tuple[str, ...]
    filters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> Definition:
        """Check a definition (as saved, or sent as JSON); raise a ReportDefinitionError for anything off."""
        if not isinstance(raw, Mapping):
            raise ReportDefinitionError("definition")
        dims = _ids(raw.get("dims", ()), DIMENSIONS, UnknownDimensionError)
        measures = _ids(raw.get("measures", ()), MEASURES, UnknownMeasureError)
        filters = raw.get("filters") or {}
        if not isinstance(filters, Mapping):
            raise ReportDefinitionError("filters")
        return cls._checked(dims, measures, filters)

    @classmethod
    def from_args(cls, args: Any) -> Definition:
        """Read a definition from a form or query string: `dim` (up to three, in order), `m` (measures), filters."""
        getlist = getattr(args, "getlist", None)
        dims_raw = getlist("dim") if getlist else args.get("dim", [])
        measures_raw = getlist("m") if getlist else args.get("m", [])
        dims = _ids([d for d in dims_raw if d != ""], DIMENSIONS, UnknownDimensionError)
        measures = _ids(measures_raw, MEASURES, UnknownMeasureError)
        return cls._checked(dims, measures, {k: args.get(k, "") for k in FILTER_NAMES})

    @classmethod
    def _checked(cls, dims: list[str], measures: list[str], filters: Mapping[str, Any]) -> Definition:
        for chosen in (dims, measures):
            seen: set[str] = set()
            for name in chosen:
                if name in seen:
                    raise DuplicateChoiceError(name)
                seen.add(name)
        if not dims:
            raise NoDimensionError()
        if len(dims) > MAX_DIMENSIONS:
            raise TooManyDimensionsError(len(dims))
        if not measures:
            raise NoMeasureError()
        if len(measures) > MAX_MEASURES:
            raise TooManyMeasuresError(len(measures))
        if any(DIMENSIONS[d].fans_out for d in dims):
            for m in measures:
                if not MEASURES[m].by_source:
                    raise MeasureNotBySourceError(MEASURES[m].label())
        query = library.ProjectQuery.from_args({k: str(v) for k, v in filters.items() if k in FILTER_NAMES})
        kept = {k: v for k, v in query.as_args().items() if k in FILTER_NAMES}
        return cls(tuple(dims), tuple(measures), tuple(sorted(kept.items())))

    def query(self) -> library.ProjectQuery:
        return library.ProjectQuery.from_args(dict(self.filters))

    def to_json(self) -> dict[str, Any]:
        return {"dims": list(self.dims), "measures": list(self.measures), "filters": dict(self.filters)}

    def as_args(self) -> list[tuple[str, str]]:
        """The definition as query-string pairs (links to run and export it)."""
        return [("dim", d) for d in self.dims] + [("m", m) for m in self.measures] + list(self.filters)

    @property
    def by_source(self) -> bool:
        return any(DIMENSIONS[d].fans_out for d in self.dims)


def _ids(raw: Any, catalog: Mapping[str, Any], error: type[ReportDefinitionError]) -> list[str]:
    """The ids as given, each one a key of the catalog (a plain dict lookup, nothing else)."""
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise error(raw)
    out = []
    for item in raw:
        if not isinstance(item, str) or item not in catalog:
            raise error(item)
        out.append(item)
    return out


def parse_as_of(text: str | None, now: datetime | None = None) -> datetime:
    """The as-of time: blank is now; a date is the end of that day in Asia/Shanghai; never later than now."""
    now = now or utcnow()
    text = (text or "").strip()[:40]
    if not text:
        return now
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max, tzinfo=SHANGHAI)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=SHANGHAI)
    except ValueError:
        raise AsOfError(text) from None
    return min(moment.astimezone(UTC), now)


def as_of_text(as_of: datetime) -> str:
    """The canonical UTC ISO text of an as-of time (what exports carry and re-runs read)."""
    return as_of.astimezone(UTC).isoformat(timespec="microseconds")
