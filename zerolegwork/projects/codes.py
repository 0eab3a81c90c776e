"""项目代码: the national investment project code, with a check character.

Form: ``YYYY-RRRRRR-II-TT-NNNNNC`` — year, six-digit region code, two-digit industry (GB/T 4754
division), two-digit type (01 审批, 02 核准, 03 备案), a five-digit serial per year and region, and a
check character computed with ISO 7064 MOD 11-2 over all the digits before it (0-9 or X).
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import ProjectCodeCounter

PATTERN = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(0[1-3])-(\d{5})([0-9X])$")
TYPES = {"approval": "01", "verification": "02", "filing": "03"}


def check_character(digits: str) -> str:
    """ISO 7064 MOD 11-2 over a string of digits."""
    total = 0
    for ch in digits:
        total = (total + int(ch)) * 2 % 11
    value = (12 - total) % 11
    return "X" if value == 10 else str(value)


def compose(year: int, region_code: str, industry: str, type_code: str, serial: int) -> str:
    """The full code for these parts, check character included."""
    body = f"{year:04d}{region_code}{industry}{type_code}{serial:05d}"
    return f"{year:04d}-{region_code}-{industry}-{type_code}-{serial:05d}{check_character(body)}"


def is_valid(code: str) -> bool:
    """Whether a code has the national form and a correct check character."""
    m = PATTERN.match(code or "")
    if m is None:
        return False
    return check_character("".join(m.groups()[:5])) == m.group(6)


def next_serial(year: int, region_code: str) -> int:
    """Hand out the next serial for a year and region; concurrent callers never get the same one (flush only)."""
    key = f"{year}{region_code}"
    for _ in range(3):
        bumped = db.session.execute(
            update(ProjectCodeCounter)
            .where(ProjectCodeCounter.key == key)
            .values(last=ProjectCodeCounter.last + 1)
            .returning(ProjectCodeCounter.last)
        ).scalar()
        if bumped is not None:
            return int(bumped)
        try:
            with db.session.begin_nested():
                db.session.add(ProjectCodeCounter(key=key, last=0))
        except IntegrityError:
            continue
    raise RuntimeError("project code counter could not be bumped")


def allocate(year: int, region_code: str, industry: str, mode: str = "approval") -> str:
    """A new unique project code."""
    return compose(year, region_code, industry, TYPES[mode], next_serial(year, region_code))


def existing(code: str) -> bool:
    from .models import Project

    return db.session.scalar(select(Project.id).where(Project.code == code)) is not None


def next_serials(year: int, region_code: str, count: int) -> range:
    """Hand out `count` consecutive serials for a year and region in one statement (flush only)."""
    if count < 1:
        return range(0)
    key = f"{year}{region_code}"
    for _ in range(3):
        bumped = db.session.execute(
            update(ProjectCodeCounter)
            .where(ProjectCodeCounter.key == key)
            .values(last=ProjectCodeCounter.last + count)
            .returning(ProjectCodeCounter.last)
        ).scalar()
        if bumped is not None:
            return range(int(bumped) - count + 1, int(bumped) + 1)
        try:
            with db.session.begin_nested():
                db.session.add(ProjectCodeCounter(key=key, last=0))
        except IntegrityError:
            continue
    raise RuntimeError("project code counter could not be bumped")


def allocate_many(year: int, region_code: str, industries: list[str], mode: str = "approval") -> list[str]:
    """New unique project codes for one year and region, one per industry given, in that order."""
    serials = next_serials(year, region_code, len(industries))
    return [
        compose(year, region_code, ind, TYPES[mode], serial) for ind, serial in zip(industries, serials, strict=True)
    ]


def reserve_through(year: int, region_code: str, serial: int) -> None:
    """Make sure the counter never hands out `serial` or below again (imported codes keep theirs; flush only)."""
    from sqlalchemy import case

    key = f"{year}{region_code}"
    for _ in range(3):
        matched = db.session.execute(
            update(ProjectCodeCounter)
            .where(ProjectCodeCounter.key == key)
            .values(last=case((ProjectCodeCounter.last < serial, serial), else_=ProjectCodeCounter.last))
            .returning(ProjectCodeCounter.last)
        ).scalar()
        if matched is not None:
            return
        try:
            with db.session.begin_nested():
                db.session.add(ProjectCodeCounter(key=key, last=serial))
            return
        except IntegrityError:
            continue
    raise RuntimeError("project code counter could not be raised")


def parts(code: str) -> tuple[int, str, int] | None:
    """Year, region code and serial of a valid code; None when it does not have the national form."""
    m = PATTERN.match(code or "")
    if m is None:
        return None
    return int(m.group(1)), m.group(2), int(m.group(5))


def ensure_counters(keys: set[tuple[int, str]]) -> None:
    """Create the missing counters of these (year, region code) pairs in one INSERT (flush only).

    A concurrent caller creating one of them first is harmless: next_serials and reserve_through
    create any counter still missing themselves.
    """
    from sqlalchemy import insert

    wanted = {f"{year}{region_code}" for year, region_code in keys}
    if not wanted:
        return
    have = set(db.session.scalars(select(ProjectCodeCounter.key).where(ProjectCodeCounter.key.in_(wanted))))
    missing = sorted(wanted - have)
    if not missing:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(ProjectCodeCounter), [{"key": key, "last": 0} for key in missing])
    except IntegrityError:
        pass
