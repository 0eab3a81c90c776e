"""The draw (组建专家): avoidance, a seeded random choice per specialty, and its reproducible record.

The draw is a pure function of its record: the seed, the mix and the ordered candidate list (each
candidate with the specialties it had at draw time). Every specialty gets its own
`random.Random(f"{seed}:{specialty}")` that shuffles that specialty's candidates (ordered by id);
the panel takes the first ones not already drawn for an earlier specialty (specialties in sorted
order), and a member who declines is replaced by the next one in the same shuffled order. So a
re-run from the record alone gives the same panel, replacements included, whatever the pool has
become since.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..orgs.models import Expert, Organisation, Region, User
from .errors import DrawShortfallError
from .models import MemberState, PanelMember, ReviewPanel


@dataclass(frozen=True)
class Seat:
    """One expert's place on a panel and the specialty they were drawn for."""

    expert_id: int
    specialty: str


def region_subtree(region_id: int) -> list[int]:
    """The region and every region below it."""
    found = [region_id]
    frontier = [region_id]
    while frontier:
        frontier = list(db.session.scalars(select(Region.id).where(Region.parent_id.in_(frontier))))
        found.extend(frontier)
    return found


def pool(region_id: int) -> list[Expert]:
    """The available experts of a region's subtree, ordered by id."""
    return list(
        db.session.scalars(
            select(Expert)
            .where(Expert.region_id.in_(region_subtree(region_id)), Expert.available.is_(True))
            .order_by(Expert.id)
        )
    )


def previous_panel_experts(unit_id: int, before_panel_id: int | None) -> set[int]:
    """The experts still on the latest earlier panel of the same unit (no two consecutive panels)."""
    query = select(ReviewPanel.id).where(ReviewPanel.unit_id == unit_id).order_by(ReviewPanel.id.desc()).limit(1)
    if before_panel_id is not None:
        query = query.where(ReviewPanel.id < before_panel_id)
    previous = db.session.scalar(query)
    if previous is None:
        return set()
    return set(
        db.session.scalars(
            select(PanelMember.expert_id).where(
                PanelMember.panel_id == previous, PanelMember.state != MemberState.DECLINED
            )
        )
    )


def _org_matches(expert: Expert, org: Organisation | None) -> bool:
    if org is None:
        return False
    if expert.user_id is not None and _user_org_id(expert.user_id) == org.id:
        return True
    return expert.employer.strip() == org.name.strip()


def _user_org_id(user_id: int) -> int | None:
    user = db.session.get(User, user_id)
    return user.org_id if user is not None else None


def _conflicts_with(expert: Expert, org: Organisation | None) -> bool:
    if org is None:
        return False
    declared = {str(c).strip() for c in (expert.conflicts or [])}
    return str(org.id) in declared or org.name.strip() in declared


def avoidance_reasons(
    expert: Expert, unit: Organisation, department: Organisation | None, previous: set[int]
) -> list[str]:
    """Why an expert must not sit on this panel (回避); empty when they may."""
    reasons = []
    if _org_matches(expert, unit):
        reasons.append(_("Works for the applicant unit"))
    if _org_matches(expert, department):
        reasons.append(_("Works for the competent department"))
    if _conflicts_with(expert, unit) or _conflicts_with(expert, department):
        reasons.append(_("Declared a conflict of interest with the unit or the department"))
    if expert.id in previous:
        reasons.append(_("Sat on the previous panel of the same unit"))
    return reasons


def candidates_and_exclusions(
    mix: Mapping[str, int], region_id: int, unit: Organisation, department: Organisation | None, panel_id: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the pool's experts of the mix's specialties into candidates and exclusions with reasons."""
    previous = previous_panel_experts(unit.id, panel_id)
    candidates, exclusions = [], []
    for expert in pool(region_id):
        relevant = sorted(s for s in expert.specialties if s in mix)
        if not relevant:
            continue
        entry = {"expert_id": expert.id, "name": expert.name, "employer": expert.employer, "specialties": relevant}
        reasons = avoidance_reasons(expert, unit, department, previous)
        if reasons:
            exclusions.append({**entry, "reasons": reasons})
        else:
            candidates.append(entry)
    return candidates, exclusions


def shuffled(seed: str, specialty: str, candidates: Sequence[Mapping[str, Any]]) -> list[int]:
    """The candidates of one specialty in the order this seed draws them."""
    ids = sorted(int(c["expert_id"]) for c in candidates if specialty in c["specialties"])
    random.Random(f"{seed}:{specialty}").shuffle(ids)
    return ids


def shortfall(specialty: str, needed: int, available: int) -> DrawShortfallError:
    """The clear error for a specialty without enough candidates."""
    message = _(
        "Not enough experts for %(specialty)s: %(needed)d needed, %(available)d available (%(missing)d short).",
        specialty=specialty,
        needed=needed,
        available=available,
        missing=needed - available,
    )
    return DrawShortfallError(message, specialty, needed, available)


def choose(seed: str, mix: Mapping[str, int], candidates: Sequence[Mapping[str, Any]]) -> list[Seat]:
    """The first panel this seed draws from these candidates; refused when a specialty is short."""
    seats: list[Seat] = []
    taken: set[int] = set()
    for specialty in sorted(mix):
        needed = int(mix[specialty])
        free = [e for e in shuffled(seed, specialty, candidates) if e not in taken]
        if len(free) < needed:
            raise shortfall(specialty, needed, len(free))
        for expert_id in free[:needed]:
            seats.append(Seat(expert_id, specialty))
            taken.add(expert_id)
    return seats


def next_for(
    seed: str, specialty: str, candidates: Sequence[Mapping[str, Any]], ever_drawn: Iterable[int]
) -> int | None:
    """The next candidate of a specialty never drawn onto this panel, or None when none is left."""
    used = set(ever_drawn)
    return next((e for e in shuffled(seed, specialty, candidates) if e not in used), None)


def replay(
    seed: str, mix: Mapping[str, int], candidates: Sequence[Mapping[str, Any]], declined: Sequence[int]
) -> tuple[list[Seat], list[int | None]]:
    """The panel after these declines in this order, and the replacement each decline drew."""
    seats = choose(seed, mix, candidates)
    ever = {s.expert_id for s in seats}
    replacements: list[int | None] = []
    for expert_id in declined:
        seat = next((s for s in seats if s.expert_id == expert_id), None)
        if seat is None:
            replacements.append(None)
            continue
        seats.remove(seat)
        replacement = next_for(seed, seat.specialty, candidates, ever)
        replacements.append(replacement)
        if replacement is not None:
            seats.append(Seat(replacement, seat.specialty))
            ever.add(replacement)
    return seats, replacements
