"""A department's own structure: internal units, management levels, posts, people, approval chains."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..audit import services as audit
from ..extensions import db
from .models import ApprovalMode, ChainStep, MgmtLevel, Organisation, OrgUnit, Post, PostMember, User


def add_unit(org: Organisation, name: str) -> OrgUnit:
    """Add an internal unit (内设机构) (flush only)."""
    unit = OrgUnit(org_id=org.id, name=name)
    db.session.add(unit)
    db.session.flush()
    return unit


def add_level(org: Organisation, rank: int, name: str) -> MgmtLevel:
    """Add a management level; rank 1 acts first (flush only)."""
    level = MgmtLevel(org_id=org.id, rank=rank, name=name)
    db.session.add(level)
    db.session.flush()
    return level


def add_post(org: Organisation, name: str, level: MgmtLevel, unit: OrgUnit | None = None) -> Post:
    """Add a post at a level, optionally in an internal unit (flush only)."""
    post = Post(org_id=org.id, name=name, level_id=level.id, level=level, unit_id=unit.id if unit else None)
    db.session.add(post)
    db.session.flush()
    return post


def assign(post: Post, user: User) -> None:
    """Put a person in a post (idempotent; flush only)."""
    if db.session.get(PostMember, (post.id, user.id)) is None:
        db.session.add(PostMember(post_id=post.id, user_id=user.id))
        db.session.flush()


def unassign(post: Post, user: User) -> None:
    """Take a person out of a post (flush only)."""
    db.session.execute(delete(PostMember).where(PostMember.post_id == post.id, PostMember.user_id == user.id))


def set_chain(org: Organisation, mode: str, posts: list[Post]) -> None:
    """Replace the chain of posts a matter passes through in `mode` (flush only)."""
    db.session.execute(delete(ChainStep).where(ChainStep.org_id == org.id, ChainStep.mode == mode))
    db.session.flush()
    for position, post in enumerate(posts):
        db.session.add(ChainStep(org_id=org.id, mode=mode, position=position, post_id=post.id))
    db.session.flush()


def chain_post_ids(org_code: str, mode: str) -> list[int]:
    """The post ids of an organisation's chain for a mode, in order (empty: any member acts once)."""
    return list(
        db.session.scalars(
            select(ChainStep.post_id)
            .join(Organisation, Organisation.id == ChainStep.org_id)
            .where(Organisation.code == org_code, ChainStep.mode == mode)
            .order_by(ChainStep.position)
        )
    )


def chain(org: Organisation, mode: str) -> list[Post]:
    """The posts of a chain, in order."""
    return list(
        db.session.scalars(
            select(Post)
            .join(ChainStep, ChainStep.post_id == Post.id)
            .where(ChainStep.org_id == org.id, ChainStep.mode == mode)
            .order_by(ChainStep.position)
        )
    )


class StructureError(ValueError):
    """A change to a department's structure was refused; the message is for the user."""


def _name(value: str, limit: int = 100) -> str:
    value = (value or "").strip()
    if not value:
        raise StructureError(_("Enter a name."))
    if len(value) > limit:
        raise StructureError(_("At most %(n)d characters.", n=limit))
    return value


def admin_add_unit(org: Organisation, name: str, actor_id: int) -> OrgUnit:
    """Add an internal unit, refusing blanks and duplicates; audited (flush only)."""
    name = _name(name)
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.org_id == org.id, OrgUnit.name == name)):
        raise StructureError(_("This name is already used."))
    unit = add_unit(org, name)
    audit.record("org.unit_add", "organisation", org.id, actor_id, after={"unit": name})
    return unit


def admin_add_level(org: Organisation, name: str, actor_id: int) -> MgmtLevel:
    """Add a management level above the existing ones; audited (flush only)."""
    name = _name(name, 50)
    if db.session.scalar(select(MgmtLevel.id).where(MgmtLevel.org_id == org.id, MgmtLevel.name == name)):
        raise StructureError(_("This name is already used."))
    top = db.session.scalar(select(func.max(MgmtLevel.rank)).where(MgmtLevel.org_id == org.id)) or 0
    level = add_level(org, top + 1, name)
    audit.record("org.level_add", "organisation", org.id, actor_id, after={"level": name, "rank": top + 1})
    return level


def _own(model: type, org: Organisation, object_id: int | None) -> object:
    obj = db.session.get(model, object_id) if object_id else None
    if obj is None or obj.org_id != org.id:  # type: ignore[attr-defined]
        raise StructureError(_("Choose one of the listed options."))
    return obj


def admin_add_post(org: Organisation, name: str, level_id: int, unit_id: int | None, actor_id: int) -> Post:
    """Add a post at one of the department's levels (and units); audited (flush only)."""
    name = _name(name)
    level = _own(MgmtLevel, org, level_id)
    unit = _own(OrgUnit, org, unit_id) if unit_id else None
    if db.session.scalar(select(Post.id).where(Post.org_id == org.id, Post.name == name)):
        raise StructureError(_("This name is already used."))
    post = add_post(org, name, level, unit)  # type: ignore[arg-type]
    audit.record("org.post_add", "organisation", org.id, actor_id, after={"post": name})
    return post


def admin_assign(org: Organisation, post_id: int, user_id: int, actor_id: int, remove: bool = False) -> None:
    """Put a member of the department in a post, or take them out; audited (flush only)."""
    post = _own(Post, org, post_id)
    user = db.session.get(User, user_id)
    if user is None or user.org_id != org.id:
        raise StructureError(_("Choose one of the listed options."))
    if remove:
        unassign(post, user)  # type: ignore[arg-type]
    else:
        assign(post, user)  # type: ignore[arg-type]
    action = "org.post_unassign" if remove else "org.post_assign"
    audit.record(action, "organisation", org.id, actor_id, after={"post": post.name, "user": user.username})  # type: ignore[attr-defined]


def admin_set_chain(org: Organisation, mode: str, post_ids: list[int], actor_id: int) -> None:
    """Replace a mode's chain; new work follows it, running work keeps its own; audited (flush only)."""
    if mode not in set(ApprovalMode):
        raise StructureError(_("Choose one of the listed options."))
    if len(post_ids) != len(set(post_ids)):
        raise StructureError(_("A post may appear only once in a chain."))
    if len(post_ids) > 10:
        raise StructureError(_("A chain has at most %(n)d steps.", n=10))
    posts = [_own(Post, org, pid) for pid in post_ids]
    before = [p.name for p in chain(org, mode)]
    set_chain(org, mode, posts)  # type: ignore[arg-type]
    audit.record("org.chain", "organisation", org.id, actor_id, mode=mode, before=before, after=[p.name for p in posts])  # type: ignore[attr-defined]


def overview(org: Organisation) -> dict[str, object]:
    """Everything the department administration page shows."""
    members: dict[int, list[User]] = {}
    for post_id, user in db.session.execute(
        select(PostMember.post_id, User).join(User, User.id == PostMember.user_id).where(User.org_id == org.id)
    ).all():
        members.setdefault(post_id, []).append(user)
    return {
        "units": list(db.session.scalars(select(OrgUnit).where(OrgUnit.org_id == org.id).order_by(OrgUnit.id))),
        "levels": list(
            db.session.scalars(select(MgmtLevel).where(MgmtLevel.org_id == org.id).order_by(MgmtLevel.rank))
        ),
        "posts": list(db.session.scalars(select(Post).where(Post.org_id == org.id).order_by(Post.id))),
        "members": members,
        "people": list(
            db.session.scalars(select(User).where(User.org_id == org.id, User.active.is_(True)).order_by(User.username))
        ),
        "chains": {mode.value: chain(org, mode) for mode in ApprovalMode},
    }


def admin_add_person(org: Organisation, form: dict[str, str], actor: User) -> User:
    """Create an account in the administrator's own department (policy-checked password; flush only)."""
    from .security import check_password
    from .services import create_user

    username = (form.get("username") or "").strip()
    display = _name(form.get("display_name", ""))
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{3,31}", username):
        raise StructureError(_("4-32 letters, digits, dots, dashes or underscores, starting with a letter."))
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise StructureError(_("This user name is taken."))
    problems = check_password(form.get("password", ""), username)
    if problems:
        raise StructureError(" ".join(problems))
    user = create_user(username, display, form["password"], org)
    audit.record("user.add", "user", user.id, actor.id, after={"username": username, "org": org.code})
    return user


def admin_disable_person(org: Organisation, user_id: int, actor: User) -> None:
    """Disable an account of the administrator's own department; its sessions end at once (flush only)."""
    from .security import disable_user

    user = db.session.get(User, user_id)
    if user is None or user.org_id != org.id:
        raise StructureError(_("Choose one of the listed options."))
    if user.id == actor.id:
        raise StructureError(_("You cannot disable your own account."))
    disable_user(user, actor)
