"""The dictionaries (数据字典): read once per request (cached in `g`), kept by platform administrators.

A kind with no rows reads as its shipped defaults (defaults.py), so a database made without the
migrations still has every vocabulary; the first change to a kind writes its defaults first.
Projects store an entry's name; a renamed entry keeps its old name as an alias, so old projects
are still found under it, and a retired entry stays readable for the projects that have it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import g
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import services as audit
from ..extensions import db
from ..orgs.models import User
from .defaults import FIELD_KINDS, FIXED, KINDS, shipped
from .errors import DictionaryError, DictionaryForbiddenError
from .models import DictionaryEntry

CACHE = "zlw_dictionary_entries"
MAX_NAME = 100


@dataclass(frozen=True)
class Entry:
    """One entry as read: `id` None when the kind still reads as its shipped defaults."""

    id: int | None
    kind: str
    code: str
    name: str
    order: int
    active: bool
    aliases: tuple[str, ...]

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def normal(text: str) -> str:
    """Compare words ignoring width, case of Latin letters and every space."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _read() -> dict[str, list[Entry]]:
    cached = g.get(CACHE)
    if cached is not None:
        return cached
    found: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
    stmt = select(DictionaryEntry).order_by(DictionaryEntry.kind, DictionaryEntry.sort_order, DictionaryEntry.id)
    for row in db.session.scalars(stmt):
        found.setdefault(row.kind, []).append(
            Entry(row.id, row.kind, row.code, row.name, row.sort_order, row.active, tuple(row.aliases or ()))
        )
    for row in shipped():
        kind = str(row["kind"])
        if not found.get(kind) or found[kind][0].id is None:
            found.setdefault(kind, [])
            aliases = tuple(str(a) for a in row["aliases"])  # type: ignore[attr-defined]
            found[kind].append(
                Entry(None, kind, str(row["code"]), str(row["name"]), int(row["sort_order"]), True, aliases)
            )  # type: ignore[call-overload]
    g.setdefault(CACHE, found)
    return found


def forget() -> None:
    """Drop the request's cached read (after a change)."""
    g.pop(CACHE, None)


def entries(kind: str, active_only: bool = False) -> list[Entry]:
    """A kind's entries in order (retired ones too unless `active_only`)."""
    return [e for e in _read().get(kind, []) if e.active or not active_only]


def names(kind: str, active_only: bool = True) -> tuple[str, ...]:
    """A kind's names in order: what a form offers (active) or a filter accepts (all)."""
    return tuple(e.name for e in entries(kind, active_only))


def labels(kind: str) -> dict[str, str]:
    """code -> name of a kind (funding sources, project states)."""
    return {e.code: e.name for e in entries(kind)}


def vocabularies(active_only: bool = True) -> dict[str, tuple[str, ...]]:
    """Project field -> its names, for forms (active) and filters (all)."""
    return {field: names(kind, active_only) for field, kind in FIELD_KINDS.items()}


def find(kind: str, text: str, active_only: bool = True) -> Entry | None:
    """The entry that a word names: its name, code-free; or one of its aliases."""
    wanted = normal(text)
    if not wanted:
        return None
    for entry in entries(kind, active_only):
        if any(normal(w) == wanted for w in entry.words):
            return entry
    return None


def words_for(kind: str, name: str) -> tuple[str, ...]:
    """The names a project may hold for the entry named `name` (its name and its old names)."""
    entry = next((e for e in entries(kind) if e.name == name), None)
    return entry.words if entry is not None else (name,)


def form_choices(kind: str) -> list[dict[str, object]] | None:
    """A kind's entries as a task form's options (engine.forms.use_choice_source); None for no such kind."""
    if kind not in KINDS:
        return None
    return [{"value": e.name, "label": {"zh_CN": e.name, "en": e.name}, "retired": not e.active} for e in entries(kind)]


def industry_code(industry_type: str | None) -> str:
    """The two-digit industry part of a project code (GB/T 4754 division); 99 when unknown."""
    entry = find("industry_type", industry_type or "", active_only=False) if industry_type else None
    code = entry.code if entry is not None else ""
    return code if len(code) == 2 and code.isdigit() else "99"


# --------------------------------------------------------------------------- changes (flush only)


def may_manage(user: User) -> bool:
    """Platform administrators keep the dictionaries: region administrators of the platform office."""
    return bool(user.is_region_admin and user.org.dept_type == "admin")


def _kind(kind: str) -> None:
    if kind not in KINDS:
        raise DictionaryError(_("Unknown dictionary."))


def _materialise(kind: str) -> list[DictionaryEntry]:
    """The kind's rows, its shipped defaults written first when it has none."""
    rows = list(db.session.scalars(select(DictionaryEntry).where(DictionaryEntry.kind == kind)))
    if not rows:
        for row in shipped():
            if row["kind"] == kind:
                entry = DictionaryEntry(**row)
                db.session.add(entry)
                rows.append(entry)
        db.session.flush()
    return sorted(rows, key=lambda r: (r.sort_order, r.id))


def _clean(text: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise DictionaryError(_("Enter a name."))
    if len(name) > MAX_NAME:
        raise DictionaryError(_("At most %(n)s characters.", n=MAX_NAME))
    return name


def _aliases(text: str | list[str] | tuple[str, ...]) -> list[str]:
    items = text.replace("，", ",").replace("、", ",").split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        word = " ".join(item.split())
        if word and word not in out:
            if len(word) > MAX_NAME:
                raise DictionaryError(_("At most %(n)s characters.", n=MAX_NAME))
            out.append(word)
    return out


def _check_unique(rows: list[DictionaryEntry], words: list[str], own: DictionaryEntry | None) -> None:
    for row in rows:
        if row is own:
            continue
        taken = {normal(w) for w in (row.name, *(row.aliases or ()))}
        for word in words:
            if normal(word) in taken:
                raise DictionaryError(
                    _("「%(word)s」 is already an entry or alias of 「%(name)s」.", word=word, name=row.name)
                )


def _require(user: User | None) -> None:
    if user is not None and not may_manage(user):
        raise DictionaryForbiddenError(user.id)


def _row(kind: str, code: str) -> tuple[DictionaryEntry, list[DictionaryEntry]]:
    rows = _materialise(kind)
    row = next((r for r in rows if r.code == code), None)
    if row is None:
        raise DictionaryError(_("No such entry."))
    return row, rows


def _record(action: str, row: DictionaryEntry, user: User | None, **detail: object) -> None:
    audit.record(action, "dictionary_entry", row.id, user.id if user else None, kind=row.kind, code=row.code, **detail)
    forget()


def add_entry(
    kind: str, name: str, user: User | None, code: str = "", aliases: str | list[str] | tuple[str, ...] = ""
) -> DictionaryEntry:
    """Add an entry at the end of its kind."""
    _require(user)
    _kind(kind)
    if kind in FIXED:
        raise DictionaryError(_("Entries of this dictionary are renamed and reordered, not added."))
    rows = _materialise(kind)
    name = _clean(name)
    words = [name, *_aliases(aliases)]
    _check_unique(rows, words, None)
    code = (code or "").strip()
    if not code:
        numbers = [int(r.code) for r in rows if r.code.isdigit()]
        code = f"{max(numbers, default=0) + 1:02d}"
    if len(code) > 40 or any(r.code == code for r in rows):
        raise DictionaryError(_("The code %(code)s is taken.", code=code))
    order = max((r.sort_order for r in rows), default=0) + 1
    row = DictionaryEntry(kind=kind, code=code, name=name, sort_order=order, active=True, aliases=words[1:])
    db.session.add(row)
    db.session.flush()
    _record("dictionary.add", row, user, name=name, aliases=words[1:])
    return row


def rename_entry(
    kind: str, code: str, name: str, user: User | None, aliases: str | list[str] | tuple[str, ...] | None = None
) -> DictionaryEntry:
    """Rename an entry (its old name becomes an alias, so old projects still read under it) or set its aliases."""
    _require(user)
    _kind(kind)
    row, rows = _row(kind, code)
    name = _clean(name)
    kept = _aliases(aliases) if aliases is not None else list(row.aliases or ())
    before = {"name": row.name, "aliases": list(row.aliases or ())}
    if name != row.name and row.name not in kept:
        kept.append(row.name)
    kept = [w for w in kept if w != name]
    _check_unique(rows, [name, *kept], row)
    row.name, row.aliases = name, kept
    db.session.flush()
    _record("dictionary.rename", row, user, before=before, after={"name": name, "aliases": kept})
    return row


def move_entry(kind: str, code: str, step: int, user: User | None) -> DictionaryEntry:
    """Move an entry one place up (-1) or down (+1) in its kind's order."""
    _require(user)
    _kind(kind)
    row, rows = _row(kind, code)
    at = rows.index(row)
    to = at + (1 if step > 0 else -1)
    if 0 <= to < len(rows):
        rows[at], rows[to] = rows[to], rows[at]
        for order, r in enumerate(rows, start=1):
            r.sort_order = order
        db.session.flush()
        _record("dictionary.move", row, user, name=row.name, position=to + 1)
    return row


def set_active(kind: str, code: str, active: bool, user: User | None) -> DictionaryEntry:
    """Retire an entry (new projects cannot choose it; old ones keep it) or reactivate it."""
    _require(user)
    _kind(kind)
    if kind in FIXED:
        raise DictionaryError(_("Entries of this dictionary are renamed and reordered, not retired."))
    row, rows = _row(kind, code)
    if not active and sum(1 for r in rows if r.active) <= 1:
        raise DictionaryError(_("A dictionary keeps at least one active entry."))
    if row.active != active:
        row.active = active
        db.session.flush()
        _record("dictionary.reactivate" if active else "dictionary.retire", row, user, name=row.name)
    return row


def counts_in_use(kind: str) -> dict[str, int]:
    """name -> how many projects hold it, for a project field's kind (the page shows it next to each entry)."""
    from ..projects.models import Project

    field = KINDS.get(kind, ("", None))[1]
    if field is None:
        return {}
    column = getattr(Project, field)
    return {str(v): int(n) for v, n in db.session.execute(select(column, func.count()).group_by(column)) if v}
