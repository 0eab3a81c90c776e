"""Scores: a member's sheet validated and submitted, hidden until all have scored, aggregated exactly.

A member's total is the sum over criteria of score / max_points × weight (out of 100). Totals,
means and the trimmed mean are computed as exact fractions; only the figures shown are quantized,
to 0.01 half-up, at the very end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..orgs.models import User
from .errors import FormError, PanelConcludedError, PanelError
from .models import Aggregation, MemberState, PanelMember, ReviewPanel, ScoreItem, ScoreSheet, ScoringSheet
from .panels import lock

SCORE_PATTERN = re.compile(r"[0-9]{1,4}(\.[0-9])?")
CENT = Decimal("0.01")
OUTLIER_FRACTION = Fraction(3, 10)  # a total more than 30 % away from the mean is flagged for the chair
TRIM_FROM = 5  # drop the highest and the lowest total from this many members up


def parse_scores(sheet: ScoringSheet, form: Mapping[str, Any]) -> list[tuple[str, Decimal, str | None]]:
    """Every criterion's score and comment from a form (score_<key>, comment_<key>); errors per field in Chinese."""
    errors: dict[str, str] = {}
    rows = []
    for criterion in sheet.criteria:
        key = criterion["key"]
        maximum = Decimal(str(criterion["max_points"]))
        raw = str(form.get(f"score_{key}", "")).strip()
        comment = str(form.get(f"comment_{key}", "")).strip()
        if not raw:
            errors[f"score_{key}"] = _("This field is required.")
            continue
        if len(raw) > 8 or SCORE_PATTERN.fullmatch(raw) is None:
            errors[f"score_{key}"] = _("Enter a number with at most one decimal place.")
            continue
        score = Decimal(raw)
        if score > maximum:
            errors[f"score_{key}"] = _("At most %(max)s points.", max=maximum)
            continue
        if len(comment) > 1000:
            errors[f"comment_{key}"] = _("At most %(n)d characters.", n=1000)
            continue
        if score < sheet.comment_below * maximum and not comment:
            errors[f"comment_{key}"] = _(
                "A score below %(limit)s points needs a comment.", limit=(sheet.comment_below * maximum).normalize()
            )
            continue
        rows.append((key, score, comment or None))
    if errors:
        raise FormError(errors)
    return rows


def own_member(user: User, panel: ReviewPanel) -> PanelMember | None:
    """The user's seat on the panel (not declined), if they have one."""
    return next((m for m in panel.active_members if m.expert.user_id == user.id), None)


def submit(user: User, panel: ReviewPanel, form: Mapping[str, Any]) -> ScoreSheet:
    """Submit (or correct, until the conclusion) the user's scores; flush only."""
    member = own_member(user, panel)
    if member is None:
        raise LookupError(panel.id)
    rows = parse_scores(panel.sheet, form)
    opinion = str(form.get("opinion", "")).strip()[:2000] or None
    panel = lock(panel)
    if panel.concluded_at is not None:
        raise PanelConcludedError(_("The panel is concluded; scores can no longer change."))
    if member.state != MemberState.DECLARED:
        raise PanelError(_("Sign the declaration of no conflict first."))
    sheet = db.session.scalars(select(ScoreSheet).where(ScoreSheet.member_id == member.id)).first()
    before = None
    if sheet is None:
        sheet = ScoreSheet(panel_id=panel.id, member_id=member.id)
        db.session.add(sheet)
    else:
        before = {i.criterion: str(i.score) for i in sheet.items}
        sheet.items.clear()
        db.session.flush()
    sheet.opinion = opinion
    sheet.submitted_at = utcnow()
    sheet.items.extend(ScoreItem(criterion=k, score=s, comment=c) for k, s, c in rows)
    db.session.flush()
    audit.record(
        "panel.score",
        "review_panel",
        panel.id,
        user.id,
        before=before,
        after={k: str(s) for k, s, _c in rows},
        member=member.id,
    )
    return sheet


def total_of(sheet: ScoringSheet, scores: Mapping[str, Decimal]) -> Fraction:
    """A member's weighted total out of 100, exactly."""
    total = Fraction(0)
    for criterion in sheet.criteria:
        maximum = Fraction(Decimal(str(criterion["max_points"])))
        weight = Fraction(Decimal(str(criterion["weight"])))
        total += Fraction(scores[criterion["key"]]) / maximum * weight
    return total


def to_cents(value: Fraction) -> Decimal:
    """An exact fraction as a decimal rounded half-up to 0.01 (the only rounding there is)."""
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    return quotient.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class MemberResult:
    member: PanelMember
    total: Decimal
    outlier: bool
    scores: dict[str, Decimal]
    comments: dict[str, str | None]
    opinion: str | None
    dropped: bool = False


@dataclass
class PanelResult:
    """The aggregated result of a panel: complete only when every member on it has submitted."""

    expected: int
    submitted: int
    rule: str
    members: list[MemberResult] = field(default_factory=list)
    score: Decimal | None = None
    mean: Decimal | None = None

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.submitted == self.expected

    @property
    def outliers(self) -> list[MemberResult]:
        return [m for m in self.members if m.outlier]


def aggregate(panel: ReviewPanel) -> PanelResult:
    """Totals, outliers and the panel score by the panel's rule (mean, or trimmed from five members up)."""
    active = {m.id: m for m in panel.active_members}
    sheets = [
        s
        for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.panel_id == panel.id))
        if s.member_id in active
    ]
    result = PanelResult(expected=len(active), submitted=len(sheets), rule=panel.aggregation)
    if not sheets:
        return result
    exact: list[tuple[Fraction, MemberResult]] = []
    for sheet in sorted(sheets, key=lambda s: active[s.member_id].position):
        scores = {i.criterion: i.score for i in sheet.items}
        total = total_of(panel.sheet, scores)
        member = MemberResult(
            member=active[sheet.member_id],
            total=to_cents(total),
            outlier=False,
            scores=scores,
            comments={i.criterion: i.comment for i in sheet.items},
            opinion=sheet.opinion,
        )
        exact.append((total, member))
    mean = sum((t for t, _m in exact), Fraction(0)) / len(exact)
    for total, member in exact:
        member.outlier = mean > 0 and abs(total - mean) > OUTLIER_FRACTION * mean
    kept = exact
    if panel.aggregation == Aggregation.TRIMMED and len(exact) >= TRIM_FROM:
        ordered = sorted(exact, key=lambda pair: (pair[0], pair[1].member.position))
        ordered[0][1].dropped = ordered[-1][1].dropped = True
        kept = ordered[1:-1]
    result.members = [m for _t, m in exact]
    result.mean = to_cents(mean)
    result.score = to_cents(sum((t for t, _m in kept), Fraction(0)) / len(kept))
    return result


def may_see_all_scores(user: User, panel: ReviewPanel) -> bool:
    """Other members' scores stay hidden from everyone until every member has submitted."""
    if panel.owner_org_id != user.org_id and own_member(user, panel) is None:
        return False
    return aggregate(panel).complete


def own_sheet(user: User, panel: ReviewPanel) -> ScoreSheet | None:
    """The user's own submitted sheet, if any."""
    member = own_member(user, panel)
    if member is None:
        return None
    return db.session.scalars(select(ScoreSheet).where(ScoreSheet.member_id == member.id)).first()
