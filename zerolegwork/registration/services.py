"""Project units and intermediary agencies register themselves; a region administrator approves."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..orgs import creditcode
from ..orgs import services as orgs
from ..orgs.models import Organisation, OrgKind, OrgState, Region, ServiceType, User
from ..orgs.security import check_password

USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{3,31}")
PHONE_RE = re.compile(r"(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)")


class RegistrationError(ValueError):
    """Registration input is wrong; `errors` maps field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class ReviewError(ValueError):
    """A review action was refused; the message is for the user."""


def service_type_labels() -> dict[str, str]:
    """Chinese (translated) names of the agency service types."""
    return {
        ServiceType.CONSULTING: _("Consulting (咨询)"),
        ServiceType.SUPERVISION: _("Supervision (监理)"),
        ServiceType.COST_AUDIT: _("Cost audit (造价审核)"),
        ServiceType.PERFORMANCE: _("Performance evaluation (绩效评价)"),
        ServiceType.REVIEW: _("Review (评审)"),
    }


def regions() -> list[Region]:
    """Regions in statistics-table order."""
    return list(db.session.scalars(select(Region).order_by(Region.sort_order)))


def _text(form: Mapping[str, Any], name: str, limit: int, errors: dict[str, str], required: bool = True) -> str:
    value = str(form.get(name, "") or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)d characters.", n=limit)
    return value


def register(kind: str, form: Mapping[str, Any], service_types: list[str]) -> Organisation:
    """Create a pending organisation and its first account; nothing works until approved (flush only)."""
    if kind not in (OrgKind.UNIT, OrgKind.AGENCY):
        raise RegistrationError({"_form": _("Choose one of the listed options.")})
    errors: dict[str, str] = {}
    name = _text(form, "org_name", 200, errors)
    code = _text(form, "credit_code", 18, errors).upper()
    contact = _text(form, "contact_name", 50, errors)
    phone = _text(form, "contact_phone", 30, errors)
    username = _text(form, "username", 32, errors)
    display = _text(form, "display_name", 100, errors)
    password = str(form.get("password", ""))
    region = db.session.get(Region, int(form["region_id"])) if str(form.get("region_id", "")).isdigit() else None
    if region is None:
        errors["region_id"] = _("Choose one of the listed options.")
    if code and "credit_code" not in errors:
        why = creditcode.problem(code)
        if why is not None:
            errors["credit_code"] = {
                "length": _("A unified social credit code has 18 characters."),
                "characters": _(
                    "The code contains characters a credit code cannot have (I, O, Z, S, V or lower case)."
                ),
                "check": _("The check character does not match; please check the code."),
            }[why]
        elif db.session.scalar(select(Organisation.id).where(Organisation.credit_code == code)):
            errors["credit_code"] = _("An organisation with this credit code is already registered.")
    if phone and "contact_phone" not in errors and not PHONE_RE.fullmatch(phone):
        errors["contact_phone"] = _("Enter a mobile number or a landline such as 0472-5100000.")
    errors.update(
        credential_errors(
            username,
            password,
            form.get("password_repeat", ""),
            check_username=bool(username) and "username" not in errors,
        )
    )
    chosen = [s for s in service_types if s in set(ServiceType)]
    if kind == OrgKind.AGENCY and not chosen:
        errors["service_types"] = _("Choose at least one service type.")
    qualifications = _text(form, "qualifications", 1000, errors, required=kind == OrgKind.AGENCY)
    if errors:
        raise RegistrationError(errors)
    assert region is not None
    org = orgs.create_org(
        f"{kind}_{code}",
        name,
        kind,
        region,
        state=OrgState.PENDING,
        credit_code=code,
        contact_name=contact,
        contact_phone=phone,
        service_types=chosen if kind == OrgKind.AGENCY else [],
        qualifications=qualifications or None,
    )
    user = orgs.create_user(username, display, password, org, is_admin=True)
    audit.record(
        "org.register", "organisation", org.id, user.id, after={"name": name, "kind": kind, "region": region.name}
    )
    return org


@dataclass
class Pending:
    org: Organisation
    first_user: User | None


def reviewable(
    admin: User, state: str = OrgState.PENDING, page: int = 1, per_page: int = 20
) -> tuple[list[Pending], int]:
    """Registrations in the administrator's region, newest first."""
    if not admin.is_region_admin:
        return [], 0
    where = [
        Organisation.region_id == admin.org.region_id,
        Organisation.kind.in_([OrgKind.UNIT, OrgKind.AGENCY]),
        Organisation.state == state,
    ]
    total = db.session.scalar(select(func.count(Organisation.id)).where(*where)) or 0
    orgs_ = db.session.scalars(
        select(Organisation)
        .where(*where)
        .order_by(Organisation.created_at.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    firsts = {
        u.org_id: u
        for u in db.session.scalars(select(User).where(User.org_id.in_([o.id for o in orgs_])).order_by(User.id.desc()))
    }
    return [Pending(o, firsts.get(o.id)) for o in orgs_], int(total)


def _reviewable_org(admin: User, org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if (
        org is None
        or not admin.is_region_admin
        or org.region_id != admin.org.region_id
        or org.kind not in (OrgKind.UNIT, OrgKind.AGENCY)
    ):
        raise LookupError(org_id)
    return org


def review(admin: User, org_id: int, approve: bool, note: str) -> Organisation:
    """Approve or reject a pending registration of the administrator's region (flush only)."""
    org = _reviewable_org(admin, org_id)
    if org.state != OrgState.PENDING:
        raise ReviewError(_("This registration has already been reviewed."))
    note = note.strip()[:500]
    if not approve and not note:
        raise ReviewError(_("Give the reason for rejecting, so the applicant can correct it."))
    before = org.state
    org.state = OrgState.ACTIVE if approve else OrgState.REJECTED
    org.reviewed_by_id = admin.id
    org.reviewed_at = utcnow()
    org.review_note = note or None
    db.session.flush()
    audit.record(
        "org.approve" if approve else "org.reject",
        "organisation",
        org.id,
        admin.id,
        before=before,
        after=org.state,
        note=note,
    )
    return org


def credential_errors(username: str, password: str, repeat: str, check_username: bool = True) -> dict[str, str]:
    """What is wrong with a new account's user name and password (field → message); empty when both are fine."""
    errors: dict[str, str] = {}
    if check_username:
        if not USERNAME_RE.fullmatch(username):
            errors["username"] = _("4-32 letters, digits, dots, dashes or underscores, starting with a letter.")
        elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
            errors["username"] = _("This user name is taken.")
    problems = check_password(password, username)
    if problems:
        errors["password"] = " ".join(problems)
    elif password != repeat:
        errors["password_repeat"] = _("The two passwords differ.")
    return errors
