"""Panels: draw one, re-run its record, decline and replace, declarations, conclusion (flush, never commit)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..audit import services as audit
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Organisation, OrgKind, User
from ..permissions import project_scope
from ..projects.models import Project
from . import draw
from .errors import FormError, PanelConcludedError, PanelError
from .models import Aggregation, DrawRecord, MemberState, PanelMember, ReviewPanel, ScoreSheet, ScoringSheet

MAX_PER_SPECIALTY = 20
# the text every member signs before the subject's material is shown (无利害关系声明)
DECLARATION_TEXT = (
    "本人承诺：与本次评审项目的申报单位、主管部门及相关人员不存在利害关系；"
    "独立、客观、公正地开展评审，对评审资料保密，不私下接触申报单位。如存在应回避情形，主动申请回避。"
)


def may_draw(user: User) -> bool:
    """Management departments draw and manage panels."""
    return user.org.kind == OrgKind.DEPARTMENT


def parse_mix(text: str) -> dict[str, int]:
    """Read an expertise mix such as "造价:2, 水利:1" into {specialty: count}."""
    mix: dict[str, int] = {}
    for part in re.split(r"[,，、;；\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(.{1,30}?)\s*[:：×xX*\s]\s*(\d{1,3})", part)
        if match is None:
            raise FormError({"mix": _("Write the mix as specialty:count, separated by commas.")})
        name, count = match.group(1).strip(), int(match.group(2))
        if not 1 <= count <= MAX_PER_SPECIALTY or name in mix:
            raise FormError({"mix": _("Each specialty once, with 1 to %(n)d experts.", n=MAX_PER_SPECIALTY)})
        mix[name] = count
    if not mix:
        raise FormError({"mix": _("Enter at least one specialty.")})
    return mix


def lock(panel: ReviewPanel) -> ReviewPanel:
    """Take the panel's row lock (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite); fresh state.

    On SQLite the transaction begins as a writer (BEGIN IMMEDIATE waits for the other writer's commit),
    so what is read next is current, as after a row lock on PostgreSQL.
    """
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    db.session.execute(
        update(ReviewPanel).where(ReviewPanel.id == panel.id).values(version=ReviewPanel.version + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(panel)
    for member in panel.members:
        db.session.refresh(member)
    return panel


def draw_panel(
    user: User,
    *,
    title: str,
    unit_id: int,
    department_id: int | None,
    mix: Mapping[str, int],
    sheet_code: str,
    project_id: int | None = None,
    aggregation: str = Aggregation.MEAN,
    region_id: int | None = None,
    chair_expert_id: int | None = None,
    seed: str | None = None,
) -> ReviewPanel:
    """Draw a panel for a subject from the region's pool, with avoidance, and record the draw."""
    if not may_draw(user):
        raise LookupError("panels")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise FormError({"title": _("This field is required.") if not title else _("At most %(n)d characters.", n=200)})
    if project_id is not None:
        visible = db.session.scalar(select(Project.id).where(Project.id == project_id, project_scope(user)))
        if visible is None:
            raise LookupError(project_id)
    unit = db.session.get(Organisation, unit_id)
    department = db.session.get(Organisation, department_id) if department_id else None
    sheet = db.session.scalars(select(ScoringSheet).where(ScoringSheet.code == sheet_code)).first()
    errors = {}
    if unit is None or unit.kind != OrgKind.UNIT:
        errors["unit_id"] = _("Choose one of the listed options.")
    if department_id and (department is None or department.kind != OrgKind.DEPARTMENT):
        errors["department_id"] = _("Choose one of the listed options.")
    if sheet is None or not sheet.active:
        errors["sheet_code"] = _("Choose one of the listed options.")
    if aggregation not in set(Aggregation):
        errors["aggregation"] = _("Choose one of the listed options.")
    if errors:
        raise FormError(errors)
    assert unit is not None and sheet is not None
    seed = seed or secrets.token_hex(16)
    region = region_id or user.org.region_id
    candidates, exclusions = draw.candidates_and_exclusions(mix, region, unit, department, None)
    seats = draw.choose(seed, mix, candidates)
    if chair_expert_id is not None and chair_expert_id not in {s.expert_id for s in seats}:
        raise FormError({"chair_expert_id": _("The chair must be a member of the panel.")})
    panel = ReviewPanel(
        title=title,
        project_id=project_id,
        unit_id=unit.id,
        department_id=department.id if department else None,
        owner_org_id=user.org_id,
        region_id=region,
        mix=dict(mix),
        sheet_id=sheet.id,
        aggregation=aggregation,
        chair_expert_id=chair_expert_id,
        created_by_id=user.id,
    )
    db.session.add(panel)
    db.session.flush()
    for position, seat in enumerate(seats):
        db.session.add(
            PanelMember(panel_id=panel.id, expert_id=seat.expert_id, specialty=seat.specialty, position=position)
        )
    record = DrawRecord(
        panel_id=panel.id,
        seed=seed,
        mix=dict(mix),
        candidates=candidates,
        exclusions=exclusions,
        chosen=[{"expert_id": s.expert_id, "specialty": s.specialty} for s in seats],
        replacements=[],
        drawn_by_id=user.id,
    )
    db.session.add(record)
    db.session.flush()
    db.session.refresh(panel)
    audit.record(
        "panel.draw",
        "review_panel",
        panel.id,
        user.id,
        after={"seed": seed, "mix": dict(mix), "chosen": [s.expert_id for s in seats]},
        excluded=[e["expert_id"] for e in exclusions],
    )
    return panel


def record_of(panel: ReviewPanel) -> DrawRecord:
    """The panel's draw record."""
    return db.session.scalars(select(DrawRecord).where(DrawRecord.panel_id == panel.id)).one()


def rerun(record: DrawRecord) -> list[draw.Seat]:
    """Compute the panel again from the record alone: the first draw, then every decline in order."""
    declined = [int(r["declined"]) for r in record.replacements]
    seats, _replacements = draw.replay(record.seed, record.mix, record.candidates, declined)
    return seats


def rerun_matches(panel: ReviewPanel) -> bool:
    """复核: does the record's re-run give the panel as it stands?"""
    recomputed = {(s.expert_id, s.specialty) for s in rerun(record_of(panel))}
    return recomputed == {(m.expert_id, m.specialty) for m in panel.active_members}


def decline(actor: User, member: PanelMember, reason: str) -> PanelMember | None:
    """Take a member off the panel and draw the next candidate of the same specialty; None when none is left."""
    panel = lock(member.panel)
    if panel.concluded_at is not None:
        raise PanelConcludedError(_("The panel is concluded; its members can no longer change."))
    if member.state == MemberState.DECLINED:
        raise PanelError(_("This expert has already declined."))
    submitted = db.session.scalar(select(func.count(ScoreSheet.id)).where(ScoreSheet.member_id == member.id))
    if submitted:
        raise PanelError(_("This expert has already submitted scores and can no longer decline."))
    reason = (reason or "").strip()[:500] or _("Declined")
    record = record_of(panel)
    ever = [m.expert_id for m in panel.members]
    replacement_id = draw.next_for(record.seed, member.specialty, record.candidates, ever)
    member.state = MemberState.DECLINED
    member.declined_at = utcnow()
    member.decline_reason = reason
    replacement = None
    if replacement_id is not None:
        position = max(m.position for m in panel.members) + 1
        replacement = PanelMember(
            panel_id=panel.id, expert_id=replacement_id, specialty=member.specialty, position=position
        )
        db.session.add(replacement)
        db.session.flush()
        member.replaced_by_id = replacement.id
    entry = {
        "declined": member.expert_id,
        "replacement": replacement_id,
        "specialty": member.specialty,
        "reason": reason,
        "at": utcnow().isoformat(),
        "by": actor.id,
    }
    record.replacements = [*record.replacements, entry]
    db.session.flush()
    db.session.refresh(panel)
    audit.record("panel.decline", "review_panel", panel.id, actor.id, expert=member.expert_id, reason=reason)
    if replacement_id is not None:
        audit.record(
            "panel.replace", "review_panel", panel.id, actor.id, declined=member.expert_id, replacement=replacement_id
        )
    return replacement


def declare(user: User, member: PanelMember, form: Mapping[str, Any]) -> PanelMember | None:
    """Sign the declaration of no conflict, or declare a conflict (then declined and replaced)."""
    if member.expert.user_id != user.id:
        raise LookupError(member.id)
    if member.state != MemberState.DRAWN:
        raise PanelError(_("The declaration is already recorded."))
    if member.panel.concluded_at is not None:
        raise PanelConcludedError(_("The panel is concluded."))
    choice = str(form.get("choice", ""))
    if choice == "conflict":
        reason = str(form.get("reason", "")).strip()[:500]
        if not reason:
            raise FormError({"reason": _("Describe the conflict of interest.")})
        audit.record("panel.declaration", "review_panel", member.panel_id, user.id, conflict=True, reason=reason)
        return decline(user, member, _("Declared a conflict: %(reason)s", reason=reason))
    if choice != "no_conflict" or form.get("confirm") not in ("1", "on", "true"):
        raise FormError({"confirm": _("Tick the box to confirm the declaration.")})
    member.state = MemberState.DECLARED
    member.declared_at = utcnow()
    member.declaration_text = DECLARATION_TEXT
    db.session.flush()
    audit.record("panel.declaration", "review_panel", member.panel_id, user.id, conflict=False)
    return member


def conclude(user: User, panel: ReviewPanel, conclusion: str) -> ReviewPanel:
    """综合评定: close the panel once every member has submitted; no score changes after this."""
    if panel.owner_org_id != user.org_id:
        raise LookupError(panel.id)
    panel = lock(panel)
    if panel.concluded_at is not None:
        raise PanelConcludedError(_("The panel is already concluded."))
    submitted = set(db.session.scalars(select(ScoreSheet.member_id).where(ScoreSheet.panel_id == panel.id)))
    missing = [m for m in panel.active_members if m.id not in submitted]
    if missing or not panel.active_members:
        raise PanelError(_("%(n)d experts have not submitted their scores yet.", n=len(missing)))
    panel.concluded_at = utcnow()
    panel.concluded_by_id = user.id
    panel.conclusion = (conclusion or "").strip()[:1000] or None
    db.session.flush()
    audit.record("panel.conclude", "review_panel", panel.id, user.id, after={"conclusion": panel.conclusion})
    return panel
