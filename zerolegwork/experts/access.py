"""Who may open which panel: the drawing department its own panels, an expert the panels they sit on.

Everything else is a LookupError (the views answer 404), so that a panel's existence does not
leak to a unit, an agency, another department or an expert who is not on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..orgs.models import Expert, OrgKind, User
from ..projects.models import Project
from .models import MemberState, PanelMember, ReviewPanel

PER_PAGE = 20


def owns(user: User, panel: ReviewPanel) -> bool:
    """The drawing department's people manage the panel."""
    return user.org.kind == OrgKind.DEPARTMENT and panel.owner_org_id == user.org_id


def seat_of(user: User, panel: ReviewPanel) -> PanelMember | None:
    """The user's latest seat on the panel, declined or not."""
    seats = [m for m in panel.members if m.expert.user_id == user.id]
    return seats[-1] if seats and user.org.kind == OrgKind.EXPERT else None


def owned_panel(user: User, panel_id: int) -> ReviewPanel:
    """A panel the user's department drew, else LookupError."""
    panel = db.session.get(ReviewPanel, panel_id)
    if panel is None or not owns(user, panel):
        raise LookupError(panel_id)
    return panel


def readable_panel(user: User, panel_id: int) -> ReviewPanel:
    """A panel the user's department drew, or one the user (an expert) was drawn onto, else LookupError."""
    panel = db.session.get(ReviewPanel, panel_id)
    if panel is None or not (owns(user, panel) or seat_of(user, panel) is not None):
        raise LookupError(panel_id)
    return panel


def active_seat(user: User, panel_id: int) -> tuple[ReviewPanel, PanelMember]:
    """A panel the user sits on now (not declined) and the seat, else LookupError."""
    panel = readable_panel(user, panel_id)
    seat = seat_of(user, panel)
    if seat is None or seat.state == MemberState.DECLINED:
        raise LookupError(panel_id)
    return panel, seat


def sees_material(user: User, panel: ReviewPanel) -> bool:
    """The subject's material: the drawing department, and members who signed the declaration."""
    if owns(user, panel):
        return True
    seat = seat_of(user, panel)
    return seat is not None and seat.state == MemberState.DECLARED


def subject_of(panel: ReviewPanel) -> Project | None:
    """The panel's project, if it has one."""
    return db.session.get(Project, panel.project_id) if panel.project_id else None


def owned_panels(user: User, text: str = "", state: str = "", page: int = 1) -> tuple[list[ReviewPanel], int]:
    """The department's panels, newest first, filtered by title and open/concluded, one page at a time."""
    if user.org.kind != OrgKind.DEPARTMENT:
        return [], 0
    where = [ReviewPanel.owner_org_id == user.org_id]
    if text.strip():
        where.append(ReviewPanel.title.like(f"%{text.strip()[:50]}%"))
    if state == "open":
        where.append(ReviewPanel.concluded_at.is_(None))
    elif state == "concluded":
        where.append(ReviewPanel.concluded_at.is_not(None))
    return _page(where, page)


def my_panels(user: User, page: int = 1) -> tuple[list[ReviewPanel], int]:
    """The panels an expert was drawn onto (我的评审), newest first."""
    if user.org.kind != OrgKind.EXPERT:
        return [], 0
    seated = (
        select(PanelMember.panel_id).join(Expert, Expert.id == PanelMember.expert_id).where(Expert.user_id == user.id)
    )
    return _page([ReviewPanel.id.in_(seated)], page)


def _page(where: list[Any], page: int) -> tuple[list[ReviewPanel], int]:
    total = db.session.scalar(select(func.count(ReviewPanel.id)).where(*where)) or 0
    rows = db.session.scalars(
        select(ReviewPanel)
        .where(*where)
        .order_by(ReviewPanel.id.desc())
        .limit(PER_PAGE)
        .offset((max(page, 1) - 1) * PER_PAGE)
    ).all()
    return list(rows), int(total)


def account_names(panel: ReviewPanel) -> dict[int, str]:
    """Expert id -> the user name the expert signs in with (the drawing department tells them), one statement."""
    ids = {m.expert.user_id for m in panel.members if m.expert.user_id}
    if not ids:
        return {}
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())
    return {m.expert_id: names[m.expert.user_id] for m in panel.members if m.expert.user_id in names}
