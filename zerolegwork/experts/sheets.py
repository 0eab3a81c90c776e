"""The shipped scoring sheets (评分表) and the checks every sheet definition passes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from ..extensions import db
from .models import ScoringSheet

# (code, name, comment_below, ((key, label, weight, max_points), ...)); the migration 0016 froze a copy
DEFAULT_SHEETS: tuple[tuple[str, str, str, tuple[tuple[str, str, str, str], ...]], ...] = (
    (
        "subsidy",
        "奖补项目评审",
        "0.6",
        (
            ("compliance", "政策符合性", "20", "20"),
            ("necessity", "项目必要性", "20", "20"),
            ("feasibility", "实施可行性", "25", "25"),
            ("budget", "资金测算合理性", "20", "20"),
            ("performance", "绩效目标", "15", "15"),
        ),
    ),
    (
        "economic",
        "经济建设项目评审",
        "0.6",
        (
            ("necessity", "建设必要性", "15", "10"),
            ("scheme", "建设方案", "25", "10"),
            ("investment", "投资估算", "25", "10"),
            ("funding", "资金筹措", "15", "10"),
            ("benefit", "经济社会效益", "20", "10"),
        ),
    ),
)


def criteria_of(rows: Sequence[tuple[str, str, str, str]]) -> list[dict[str, str]]:
    """The JSON criteria of a sheet from its literal rows."""
    return [{"key": k, "label": label, "weight": w, "max_points": m} for k, label, w, m in rows]


def definition_problems(criteria: Sequence[Mapping[str, Any]]) -> list[str]:
    """What is wrong with a sheet's criteria (keys unique, weights > 0 summing to 100, max points > 0)."""
    problems = []
    keys = [str(c.get("key", "")) for c in criteria]
    if not criteria:
        problems.append("no criteria")
    if len(set(keys)) != len(keys) or not all(keys):
        problems.append("criterion keys must be unique and non-empty")
    try:
        weights = [Decimal(str(c["weight"])) for c in criteria]
        points = [Decimal(str(c["max_points"])) for c in criteria]
    except (KeyError, InvalidOperation):
        return [*problems, "every criterion needs a decimal weight and max_points"]
    if sum(weights, Decimal(0)) != 100:
        problems.append("weights must sum to 100")
    if any(w <= 0 for w in weights) or any(p <= 0 for p in points):
        problems.append("weights and max_points must be positive")
    return problems


def seed_sheets() -> None:
    """Add the shipped sheets that are missing (flush only); the migration does the same for a new database."""
    have = set(db.session.scalars(select(ScoringSheet.code)))
    for code, name, below, rows in DEFAULT_SHEETS:
        if code not in have:
            db.session.add(ScoringSheet(code=code, name=name, criteria=criteria_of(rows), comment_below=Decimal(below)))
    db.session.flush()


def active_sheets() -> list[ScoringSheet]:
    """The sheets a panel may use."""
    return list(db.session.scalars(select(ScoringSheet).where(ScoringSheet.active.is_(True)).order_by(ScoringSheet.id)))
