"""项目级次 and 项目地区 are two things: who manages a project (a level of the region tree) and where it is.

A project's level is its own region's level or the level of a region above it: a 市本级 project may be
located in 东河区, a 旗县区 project cannot be located at the city itself. The regional statistics table
counts a project under the region that manages it: the nearest region at the project's level, going up
from where it is (managing_region).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..orgs.models import OrgLevel, Region
from ..orgs.reference import LEVELS

# 项目级次 as written in forms and sheets -> the region level that manages such a project
LEVEL_OF: dict[str, str] = {"省本级": OrgLevel.PROVINCE, "市本级": OrgLevel.CITY, "旗县区": OrgLevel.DISTRICT}
LEVEL_NAMES: dict[str, str] = {value: name for name, value in LEVEL_OF.items()}
# 项目级次 on screens, in the interface language
LEVEL_LABELS = {
    OrgLevel.PROVINCE.value: _l("Province level"),
    OrgLevel.CITY.value: _l("City level"),
    OrgLevel.DISTRICT.value: _l("Districts and counties"),
}


class RegionLike(Protocol):
    id: int
    level: str
    parent_id: int | None


def levels_at(region: RegionLike, regions: Mapping[int, RegionLike]) -> list[str]:
    """The levels a project located in `region` may have: the region's own, then those above it."""
    out: list[str] = []
    node: RegionLike | None = region
    seen: set[int] = set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        if node.level not in out:
            out.append(node.level)
        node = regions.get(node.parent_id) if node.parent_id is not None else None
    return out


def managing_region(region_id: int, level: str, regions: Mapping[int, RegionLike]) -> int:
    """The region that manages a project of `level` located in `region_id`: the nearest at that level upward.

    Data that breaks the rule (no region of that level above) stays with its location, so nothing is lost.
    """
    node = regions.get(region_id)
    seen: set[int] = set()
    while node is not None and node.id not in seen:
        if node.level == level:
            return node.id
        seen.add(node.id)
        node = regions.get(node.parent_id) if node.parent_id is not None else None
    return region_id


def level_name(level: str) -> str:
    """省本级 / 市本级 / 旗县区 for a stored level."""
    return LEVEL_NAMES.get(level, level)


def level_label(level: str) -> str:
    """The screen label of a stored level (省本级 / 市本级 / 旗县区 in Chinese)."""
    label = LEVEL_LABELS.get(level)
    return str(label) if label is not None else level


def set_up_levels() -> list[str]:
    """The levels of this installation's region tree, top down (city and district, or all three)."""
    present = set(db.session.scalars(select(Region.level).distinct()))
    return [level for level in LEVELS if level in present]


def region_map() -> dict[int, Region]:
    """Every region by id (for levels_at and managing_region); one statement."""
    return {r.id: r for r in db.session.scalars(select(Region))}


def level_words(levels: list[str] | None = None) -> tuple[str, ...]:
    """The 项目级次 words this installation uses (市本级、旗县区 for a city; 省本级 too for a province)."""
    levels = set_up_levels() if levels is None else levels
    words = tuple(LEVEL_NAMES[level] for level in LEVELS if level in levels and level in LEVEL_NAMES)
    return words or (LEVEL_NAMES[OrgLevel.CITY], LEVEL_NAMES[OrgLevel.DISTRICT])


def subtree_ids(region_id: int, regions: Mapping[int, RegionLike]) -> list[int]:
    """The region and every region below it (an unknown id gives just itself: it matches nothing)."""
    children: dict[int, list[int]] = {}
    for r in regions.values():
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.id)
    out, todo = [], [region_id]
    while todo:
        rid = todo.pop()
        if rid not in out:
            out.append(rid)
            todo.extend(children.get(rid, []))
    return out
