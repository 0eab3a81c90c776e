"""Review panels drawn from the pool, their draw records, declarations, scoring sheets and scores."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..orgs.models import Expert


class Aggregation(StrEnum):
    MEAN = "mean"  # the mean of every member's total
    TRIMMED = "trimmed"  # drop the highest and the lowest total when five or more members scored


class MemberState(StrEnum):
    DRAWN = "drawn"  # on the panel, declaration not yet signed
    DECLARED = "declared"  # signed the declaration of no conflict (无利害关系声明); sees the material
    DECLINED = "declined"  # declined, or declared a conflict; replaced by the next draw


class ScoringSheet(db.Model):
    """A scoring sheet (评分表) as data: criteria with weights summing to 100 and their maximum points."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # [{key, label, weight, max_points}], weights and points as strings of decimals
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # a criterion scored below this fraction of its max_points needs a comment
    comment_below: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.6"))
    active: Mapped[bool] = mapped_column(default=True)


class ReviewPanel(db.Model):
    """An expert panel (专家组) for one subject: a project, its applicant unit and competent department."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # the department that drew the panel, and whose people manage and conclude it
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # the pool is the available experts of this region and the regions below it
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    mix: Mapped[dict[str, int]] = mapped_column(JSON)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("scoring_sheet.id"))
    aggregation: Mapped[str] = mapped_column(String(20), default=Aggregation.MEAN)
    chair_expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"))
    # bumped by every submission and by the conclusion: the row is the panel's lock on every database
    version: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    conclusion: Mapped[str | None] = mapped_column(String(1000))

    sheet: Mapped[ScoringSheet] = relationship(lazy="joined")
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", order_by="PanelMember.position", lazy="selectin"
    )

    @property
    def active_members(self) -> list[PanelMember]:
        return [m for m in self.members if m.state != MemberState.DECLINED]

    @property
    def chair(self) -> PanelMember | None:
        """The named chair, or the first drawn member still on the panel."""
        active = self.active_members
        named = [m for m in active if m.expert_id == self.chair_expert_id]
        return (named or active or [None])[0]


class PanelMember(db.Model):
    """An expert drawn onto a panel, in draw order; a declined member stays, replaced by a later one."""

    __table_args__ = (UniqueConstraint("panel_id", "expert_id", name="uq_panel_member_panel_expert"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("review_panel.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    specialty: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=MemberState.DRAWN)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declaration_text: Mapped[str | None] = mapped_column(Text)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("panel_member.id"))

    panel: Mapped[ReviewPanel] = relationship(back_populates="members")
    expert: Mapped[Expert] = relationship(lazy="joined")


class DrawRecord(db.Model):
    """The record of a panel's draw: enough to compute the same panel again without the pool."""

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("review_panel.id"), unique=True)
    seed: Mapped[str] = mapped_column(String(64))
    mix: Mapped[dict[str, int]] = mapped_column(JSON)
    # [{expert_id, name, employer, specialties}] in the deterministic order the draw used (by id)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{expert_id, name, employer, reasons: [..]}]
    exclusions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{expert_id, specialty}] as first drawn
    chosen: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # [{declined, replacement, specialty, reason, at, by}] in the order they happened
    replacements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScoreSheet(db.Model):
    """One member's submitted scores for a panel; one per member (the constraint, not luck)."""

    __table_args__ = (UniqueConstraint("member_id", name="uq_score_sheet_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("review_panel.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"))
    opinion: Mapped[str | None] = mapped_column(String(2000))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[PanelMember] = relationship(lazy="joined")
    items: Mapped[list[ScoreItem]] = relationship(
        back_populates="sheet", lazy="selectin", cascade="all, delete-orphan", order_by="ScoreItem.id"
    )


class ScoreItem(db.Model):
    """One criterion's score on a submitted sheet, an exact decimal with one decimal place."""

    __table_args__ = (UniqueConstraint("sheet_id", "criterion", name="uq_score_item_sheet_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    comment: Mapped[str | None] = mapped_column(String(1000))

    sheet: Mapped[ScoreSheet] = relationship(back_populates="items")


__all__ = [
    "Aggregation",
    "DrawRecord",
    "MemberState",
    "PanelMember",
    "ReviewPanel",
    "ScoreItem",
    "ScoreSheet",
    "ScoringSheet",
]
