"""Calls for projects: who issues and sees them, the form's checks, publish and close (flush only, never commit).

A call is kept by its issuing department (its staff edit the draft, publish, close and read every
application); units see the calls that are not drafts and whose scope covers their region. The window
opens and closes on working days of the statutory calendar (workdays/); dates are Asia/Shanghai dates.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..dictionaries import services as dictionaries
from ..engine.routing import today_local
from ..experts.sheets import active_sheets
from ..extensions import db
from ..orgs.models import OrgKind, OrgState, Region, User
from ..projects.levels import region_map, subtree_ids
from ..projects.models import Project
from ..workdays.services import is_working_day, load_exceptions
from .errors import CallError, CallFormError, CallNotFoundError
from .models import CallState, ProjectCall

ISSUER_TYPES = ("finance", "ndrc")  # departments that open calls: finance and development-reform
MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_FUND_NAME = 100
MAX_SLOTS = 20
MAX_SLOT_LABEL = 60
MAX_WINDOW_DAYS = 366


def clean_text(text: object, multiline: bool = False) -> str:
    """Text as typed, without control characters (a pasted NUL, a bidi override); lines kept when asked."""
    kept = "".join(
        ch if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf") else (" " if ch in "\t\r" else "")
        for ch in str(text or "")
    )
    if multiline:
        return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()
    return " ".join(kept.split())


def may_issue(user: User) -> bool:
    """Whether the user's organisation opens calls: an active finance or development-reform department."""
    org = user.org
    return org.kind == OrgKind.DEPARTMENT and org.state == OrgState.ACTIVE and org.dept_type in ISSUER_TYPES


def may_manage(user: User, call: ProjectCall) -> bool:
    """The issuing department's staff keep the call (another department, of any region, may not)."""
    return user.org_id == call.issuer_id


def covered_regions(call: ProjectCall, regions: Mapping[int, Region]) -> set[int]:
    """The regions a call's scope covers: the chosen ones and those below them; none chosen = the issuer's subtree."""
    roots = call.region_ids or [call.issuer.region_id]
    return {rid for root in roots for rid in subtree_ids(root, regions)}


def in_scope(call: ProjectCall, project: Project, regions: Mapping[int, Region]) -> str | None:
    """Why a project is outside the call's scope (a translated reason), or None when it is inside."""
    if project.region_id not in covered_regions(call, regions):
        return _("The project's region (%(region)s) is outside the scope of this call.", region=project.region.name)
    if call.categories and project.category not in call.categories:
        return _(
            "The project's category (%(category)s) is not one of this call's categories (%(categories)s).",
            category=project.category,
            categories="、".join(call.categories),
        )
    return None


def _visible_to_unit(user: User, call: ProjectCall, regions: Mapping[int, Region]) -> bool:
    return call.state != CallState.DRAFT and user.org.region_id in covered_regions(call, regions)


def get_call(user: User, call_id: int) -> ProjectCall:
    """The call when the user may see it (its issuer, or a unit in its scope once published), else CallNotFoundError."""
    call = db.session.get(ProjectCall, call_id)
    if call is None:
        raise CallNotFoundError(call_id)
    if may_manage(user, call):
        return call
    if user.org.kind == OrgKind.UNIT and _visible_to_unit(user, call, region_map()):
        return call
    raise CallNotFoundError(call_id)


def get_managed_call(user: User, call_id: int) -> ProjectCall:
    """The call when the user's department issued it, else CallNotFoundError (404: it does not leak)."""
    call = db.session.scalars(
        select(ProjectCall)
        .where(ProjectCall.id == call_id)
        .with_for_update(of=ProjectCall)  # the issuer is joined: lock the call's row only
        .execution_options(populate_existing=True)
    ).first()
    if call is None or not may_manage(user, call):
        raise CallNotFoundError(call_id)
    return call


@dataclass
class CallQuery:
    """The calls list's filters: state and text on the title."""

    state: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CallQuery:
        state = args.get("state", "")
        return cls(state if state in tuple(CallState) else "", clean_text(args.get("q", ""))[:100])

    def args(self) -> dict[str, str]:
        return {k: v for k, v in (("state", self.state), ("q", self.q)) if v}


def visible_calls(user: User, query: CallQuery) -> list[ProjectCall]:
    """The calls the user sees, newest first: its department's own, or (a unit) the published ones covering it."""
    stmt = select(ProjectCall).order_by(ProjectCall.opens_on.desc(), ProjectCall.id.desc())
    if query.state:
        stmt = stmt.where(ProjectCall.state == query.state)
    if query.q:
        stmt = stmt.where(ProjectCall.title.contains(query.q, autoescape=True))
    if user.org.kind == OrgKind.DEPARTMENT:
        return list(db.session.scalars(stmt.where(ProjectCall.issuer_id == user.org_id)))
    if user.org.kind != OrgKind.UNIT:
        return []
    regions = region_map()
    rows = db.session.scalars(stmt.where(ProjectCall.state != CallState.DRAFT))
    return [c for c in rows if _visible_to_unit(user, c, regions)]


def window_days(opens_on: date, closes_on: date) -> int:
    """The working days of a window, both ends included (one query of the calendar)."""
    if closes_on < opens_on:
        return 0
    exceptions = load_exceptions(opens_on, closes_on)
    return sum(is_working_day(opens_on + timedelta(days=i), exceptions) for i in range((closes_on - opens_on).days + 1))


def _date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    text = raw.strip()
    if not text:
        errors[name] = _("This field is required.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Enter a date as year-month-day, e.g. 2026-03-02.")
        return None


def _slots(raw: str, errors: dict[str, str]) -> list[dict[str, Any]]:
    labels: list[str] = []
    for line in clean_text(raw, multiline=True).split("\n"):
        label = line.strip()
        if not label:
            continue
        if len(label) > MAX_SLOT_LABEL:
            errors["slots"] = _("An attachment's name has at most %(n)s characters.", n=MAX_SLOT_LABEL)
        elif label in labels:
            errors["slots"] = _("The attachment 「%(name)s」 is listed twice.", name=label)
        labels.append(label)
    if len(labels) > MAX_SLOTS:
        errors["slots"] = _("At most %(n)s required attachments.", n=MAX_SLOTS)
    return [{"key": f"s{i}", "label": label} for i, label in enumerate(labels, start=1)]


FOUR = Decimal("0.0001")
MAX_AMOUNT = Decimal("999999999999.9999")  # Numeric(16, 4)


def parse_amount(raw: object, field: str, errors: dict[str, str], required: bool = True) -> Decimal | None:
    """A positive amount in 万元 with at most four decimals, or a Chinese error under `field`."""
    text = str(raw or "").strip().replace(",", "").replace("，", "")
    if not text:
        if required:
            errors[field] = _("This field is required.")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[field] = _("Enter an amount in 万元, e.g. 120.5.")
        return None
    if not value.is_finite() or value <= 0:
        errors[field] = _("The amount must be above zero.")
    elif value.as_tuple().exponent < -4:  # type: ignore[operator]
        errors[field] = _("At most four decimal places (万元).")
    elif value > MAX_AMOUNT:
        errors[field] = _("The amount is too large.")
    else:
        return value.quantize(FOUR)
    return None


def parse_form(user: User, form: Any) -> dict[str, Any]:
    """A call's fields from its form, every one checked; CallFormError names each bad field."""
    errors: dict[str, str] = {}
    title = clean_text(form.get("title", ""))
    if not title:
        errors["title"] = _("This field is required.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(n)s characters.", n=MAX_TITLE)
    regions = region_map()
    allowed = set(subtree_ids(user.org.region_id, regions))
    region_ids: list[int] = []
    for raw in form.getlist("region_ids"):
        if not str(raw).isdigit() or int(raw) not in allowed:
            errors["region_ids"] = _("Choose regions of your own jurisdiction from the list.")
        elif int(raw) not in region_ids:
            region_ids.append(int(raw))
    words = dictionaries.names("category", active_only=True)
    categories: list[str] = []
    for raw in form.getlist("categories"):
        if raw not in words:
            errors["categories"] = _("Choose one of the listed values.")
        elif raw not in categories:
            categories.append(raw)
    funding = str(form.get("funding_source", "") or "").strip()
    if funding and funding not in dictionaries.labels("funding_source"):
        errors["funding_source"] = _("Choose one of the listed values.")
    fund_name = clean_text(form.get("fund_name", ""))
    if len(fund_name) > MAX_FUND_NAME:
        errors["fund_name"] = _("At most %(n)s characters.", n=MAX_FUND_NAME)
    description = clean_text(form.get("description", ""), multiline=True)
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(n)s characters.", n=MAX_DESCRIPTION)
    opens_on = _date(str(form.get("opens_on", "") or ""), "opens_on", errors)
    closes_on = _date(str(form.get("closes_on", "") or ""), "closes_on", errors)
    if opens_on and closes_on:
        if closes_on < opens_on:
            errors["closes_on"] = _("The window cannot close before it opens.")
        elif (closes_on - opens_on).days > MAX_WINDOW_DAYS:
            errors["closes_on"] = _("A window lasts at most one year.")
        else:
            exceptions = load_exceptions(opens_on, closes_on)
            for name, day in (("opens_on", opens_on), ("closes_on", closes_on)):
                if not is_working_day(day, exceptions):
                    errors[name] = _(
                        "%(day)s is not a working day on the statutory calendar; choose a working day.",
                        day=day.isoformat(),
                    )
    slots = _slots(str(form.get("slots", "") or ""), errors)
    total_amount = parse_amount(form.get("total_amount"), "total_amount", errors, required=False)
    sheet = str(form.get("scoring_sheet", "") or "").strip()
    if sheet and sheet not in {s.code for s in active_sheets()}:
        errors["scoring_sheet"] = _("Choose one of the listed values.")
    if errors:
        raise CallFormError(errors)
    return {
        "title": title,
        "region_ids": region_ids,
        "categories": categories,
        "funding_source": funding or None,
        "fund_name": fund_name or None,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "description": description,
        "slots": slots,
        "total_amount": total_amount,
        "scoring_sheet": sheet or None,
    }


def _snapshot(call: ProjectCall) -> dict[str, Any]:
    return {
        "title": call.title,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "regions": list(call.region_ids),
        "categories": list(call.categories),
        "slots": [s["label"] for s in call.slots],
    }


def create_call(user: User, form: Any) -> ProjectCall:
    """Open a draft call for the user's department (finance or development-reform)."""
    if not may_issue(user):
        raise CallNotFoundError("new")
    fields = parse_form(user, form)
    call = ProjectCall(issuer_id=user.org_id, created_by_id=user.id, state=CallState.DRAFT, **fields)
    db.session.add(call)
    db.session.flush()
    audit.record("call.create", "project_call", call.id, user.id, after=_snapshot(call))
    return call


def update_call(user: User, call_id: int, form: Any) -> ProjectCall:
    """Change a draft call (a published one is fixed: applicants rely on it)."""
    call = get_managed_call(user, call_id)
    if call.state != CallState.DRAFT:
        raise CallError(_("Only a draft call can be edited; this one is already published."))
    fields = parse_form(user, form)
    before = _snapshot(call)
    for key, value in fields.items():
        setattr(call, key, value)
    call.updated_by_id, call.updated_at = user.id, utcnow()
    db.session.flush()
    audit.record("call.update", "project_call", call.id, user.id, before=before, after=_snapshot(call))
    return call


def publish_call(user: User, call_id: int) -> ProjectCall:
    """Publish a draft: units in its scope see it and may apply within its window."""
    call = get_managed_call(user, call_id)
    if call.state != CallState.DRAFT:
        raise CallError(_("This call is already published."))
    if call.closes_on < today_local():
        raise CallError(_("The window closed on %(day)s; change its dates before publishing.", day=call.closes_on))
    call.state, call.published_at = CallState.OPEN, utcnow()
    call.updated_by_id, call.updated_at = user.id, utcnow()
    db.session.flush()
    audit.record("call.publish", "project_call", call.id, user.id, title=call.title)
    return call


def close_call(user: User, call_id: int) -> ProjectCall:
    """Close an open call: no more applications nor withdrawals; the review takes the applications from here."""
    call = get_managed_call(user, call_id)
    if call.state != CallState.OPEN:
        raise CallError(_("Only an open call can be closed."))
    call.state, call.closed_at = CallState.CLOSED, utcnow()
    call.updated_by_id, call.updated_at = user.id, utcnow()
    db.session.flush()
    audit.record("call.close", "project_call", call.id, user.id, title=call.title)
    return call


def accepts_today(call: ProjectCall, today: date | None = None) -> str | None:
    """Why the call takes no application today (a translated reason), or None when it does."""
    today = today or today_local()
    if call.state == CallState.DRAFT:
        return _("This call is not published.")
    if call.state == CallState.CLOSED:
        return _("This call is closed; it takes no more applications.")
    if today < call.opens_on:
        return _("This call opens on %(day)s; applications are taken from that day.", day=call.opens_on.isoformat())
    if today > call.closes_on:
        return _("This call closed on %(day)s; late applications are refused.", day=call.closes_on.isoformat())
    return None
