"""Progress charts (进度图形展示): the data behind the ECharts of one project and of a group of projects.

Figures go out as exact decimal strings (ECharts reads numeric strings), periods as "YYYY-MM".
- One project: per period its latest progress report (a later report of the same month corrects an
  earlier one): time and work-quantity progress %, investment completed and funds disbursed (cumulative
  万元) against the planned investment line; the image-progress photos (site photos and construction-log
  photos) dated and in order.
- A group (the project-list filters): for each period, every project's latest figure at or before
  that period (a project that did not report in a month keeps its last figure), summed over the group
  for the amounts; the percentages are weighted by planned investment over the whole group (a project
  yet to report counts as 0 %). The plan line is the group's planned investment. The photo timeline is
  the group's newest photos. Computed in SQL: one statement per dimension plus the totals and photos.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import url_for
from sqlalchemy import ColumnElement, func, or_, select

from ...extensions import db
from ...files.models import Attachment
from ...files.services import attachments_of
from ...i18n import SHANGHAI
from ...orgs.models import User
from ...projects import library
from ...projects.models import LogEntry, Project
from ...projects.services import get_visible_project
from ...records.models import ProgressReport
from ...replica import reports_reads
from .tables import exact

PERCENTS = ("time_progress", "work_quantity_progress")
AMOUNTS = ("investment_completed", "funds_disbursed")
DIMENSIONS = PERCENTS + AMOUNTS
PHOTO_SLOT = "site_photo"
LOG_SLOT_PREFIX = "log_"
GROUP_PHOTOS = 24
PROJECT_PHOTOS = 200


def _text(value: Decimal | None, places: str = "0.0001") -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _is_progress_photo(attachment: Attachment) -> bool:
    return attachment.content_type.startswith("image/") and (
        attachment.slot == PHOTO_SLOT or attachment.slot.startswith(LOG_SLOT_PREFIX)
    )


def _photo(attachment: Attachment, taken: str, project_name: str | None = None) -> dict[str, Any]:
    url = url_for("files.preview", attachment_id=attachment.id)
    item = {"id": attachment.id, "date": taken, "filename": attachment.filename, "url": url, "slot": attachment.slot}
    if project_name is not None:
        item["project"] = project_name
    return item


def _log_dates(project_ids: set[int], slots: set[str]) -> dict[str, str]:
    """The entry dates of construction-log slots ("log_<id>"), one query."""
    ids = [int(s[len(LOG_SLOT_PREFIX) :]) for s in slots if s[len(LOG_SLOT_PREFIX) :].isdigit()]
    if not ids:
        return {}
    rows = db.session.execute(
        select(LogEntry.id, LogEntry.entry_date).where(LogEntry.id.in_(ids), LogEntry.project_id.in_(project_ids))
    )
    return {f"{LOG_SLOT_PREFIX}{i}": d.isoformat() for i, d in rows}


def _taken(attachment: Attachment, log_dates: dict[str, str]) -> str:
    """A photo's date: its log entry's date, else the day it was uploaded (Asia/Shanghai)."""
    return log_dates.get(attachment.slot) or attachment.created_at.astimezone(SHANGHAI).date().isoformat()


@reports_reads()
def project_progress(user: User, project_id: int) -> dict[str, Any]:
    """A project's progress series and photo timeline; ProjectNotFoundError when the user may not see it."""
    project = get_visible_project(user, project_id)
    latest: dict[str, ProgressReport] = {}
    for report in db.session.scalars(
        select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.id)
    ):
        latest[report.period] = report  # a later report of the same period corrects the earlier one
    periods = sorted(latest)
    series = {d: [_text(getattr(latest[p], d)) for p in periods] for d in DIMENSIONS}
    photos = [a for a in attachments_of(user, project.id) if _is_progress_photo(a)]
    dates = _log_dates({project.id}, {a.slot for a in photos})
    timeline = sorted((_photo(a, _taken(a, dates)) for a in photos), key=lambda p: (p["date"], p["id"]))
    return {
        "project": {"id": project.id, "code": project.code, "name": project.name},
        "planned_investment": _text(project.planned_investment),
        "periods": periods,
        **series,
        "plan": [_text(project.planned_investment)] * len(periods),
        "notes": [latest[p].image_note or "" for p in periods],
        "photos": timeline[-PROJECT_PHOTOS:],
    }


def _group_where(user: User, query: library.ProjectQuery) -> ColumnElement[bool]:
    where = library.filtered(user, query).whereclause
    assert where is not None
    return where


def _running(deltas: dict[str, Decimal], periods: list[str]) -> list[Decimal | None]:
    """Running sums of the per-period changes; None before the first period anyone reported."""
    out: list[Decimal | None] = []
    total: Decimal | None = None
    for period in periods:
        if period in deltas:
            total = (total or Decimal(0)) + deltas[period]
        out.append(total)
    return out


@reports_reads()
def group_progress(user: User, query: library.ProjectQuery) -> dict[str, Any]:
    """The summed progress of the projects matching `query` that the user may see."""
    where = _group_where(user, query)
    count, planned = db.session.execute(
        select(func.count(Project.id), func.sum(Project.planned_investment)).where(where)
    ).one()
    planned = exact(planned)
    ids = select(Project.id).where(where).correlate(None)
    latest = (
        select(func.max(ProgressReport.id))
        .where(ProgressReport.project_id.in_(ids))
        .group_by(ProgressReport.project_id, ProgressReport.period)
        .correlate(None)
    )
    deltas: dict[str, dict[str, Decimal]] = {}
    for dimension in DIMENSIONS:
        value = getattr(ProgressReport, dimension)
        # a percentage counts as its share of the project's planned investment
        weighted = value * Project.planned_investment / 100 if dimension in PERCENTS else value
        previous = func.lag(weighted).over(partition_by=ProgressReport.project_id, order_by=ProgressReport.period)
        steps = (
            select(ProgressReport.period.label("period"), (weighted - func.coalesce(previous, 0)).label("delta"))
            .join(Project, Project.id == ProgressReport.project_id)
            .where(ProgressReport.id.in_(latest), value.is_not(None))
            .subquery()
        )
        rows = db.session.execute(select(steps.c.period, func.sum(steps.c.delta)).group_by(steps.c.period))
        deltas[dimension] = {period: Decimal(str(delta or 0)) for period, delta in rows}
    periods = sorted({p for d in deltas.values() for p in d})
    series: dict[str, list[str | None]] = {}
    for dimension in DIMENSIONS:
        running = _running(deltas[dimension], periods)
        if dimension in PERCENTS:
            series[dimension] = [
                _text(v * 100 / planned, "0.01") if planned and v is not None else None for v in running
            ]
        else:
            series[dimension] = [_text(v) for v in running]
    return {
        "projects": int(count or 0),
        "planned_investment": _text(planned),
        "periods": periods,
        **series,
        "plan": [_text(planned)] * len(periods),
        "photos": _group_photos(ids),
    }


def _group_photos(ids: Any) -> list[dict[str, Any]]:
    """The group's newest progress photos (one query, plus one for log-entry dates), oldest first."""
    rows = db.session.execute(
        select(Attachment, Project.name)
        .join(Project, Project.id == Attachment.project_id)
        .where(
            Attachment.project_id.in_(ids),
            Attachment.content_type.like("image/%"),
            or_(Attachment.slot == PHOTO_SLOT, Attachment.slot.like(LOG_SLOT_PREFIX + "%")),
        )
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())
        .limit(GROUP_PHOTOS)
    ).all()
    dates = _log_dates({a.project_id for a, _name in rows}, {a.slot for a, _name in rows})
    photos = [_photo(a, _taken(a, dates), name) for a, name in rows]
    return sorted(photos, key=lambda p: (p["date"], p["id"]))
