"""A department's own structure: internal units, management levels, posts, people, approval chains."""

from __future__ import annotations

from sqlalchemy import delete, select

from ..extensions import db
from .models import ChainStep, MgmtLevel, Organisation, OrgUnit, Post, PostMember, User


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
