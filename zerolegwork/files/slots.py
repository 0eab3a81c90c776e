"""The evidence a form names: one slot per required document or photo."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.forms import EVIDENCE_OWNERS
from .validation import CONTENT_TYPES, IMAGE_EXTENSIONS

SLOT_RE = re.compile(r"[a-z][a-z0-9_]{0,59}")
DOCUMENT_EXTENSIONS = ("pdf", "docx", "xlsx", "doc", "xls", *IMAGE_EXTENSIONS)


@dataclass(frozen=True)
class Slot:
    """One piece of evidence a form asks for: its key, its {zh_CN, en} label, the files it takes, whose it is."""

    key: str
    label: Mapping[str, str]
    extensions: tuple[str, ...] = DOCUMENT_EXTENSIONS
    required: bool = False
    owner: str = "unit"  # one of EVIDENCE_OWNERS (files/owners.py says who may add to it)

    @property
    def photo(self) -> bool:
        """Only pictures: the page offers the phone's camera."""
        return all(e in IMAGE_EXTENSIONS for e in self.extensions)

    @property
    def accept(self) -> str:
        """The `accept` attribute of the file input: extensions and their content types."""
        return ",".join([f".{e}" for e in self.extensions] + sorted({CONTENT_TYPES[e] for e in self.extensions}))

    def title(self, locale: str) -> str:
        """The label in a locale ('zh_CN' or 'en'), falling back to Chinese, then the key."""
        return self.label.get(locale) or self.label.get("zh_CN") or self.key


SITE_PHOTO = Slot("site_photo", {"zh_CN": "现场照片", "en": "Site photos"}, IMAGE_EXTENSIONS)


def slots_of(form: Mapping[str, Any]) -> list[Slot]:
    """Read a form's `evidence` list: a slot key, or {"slot", "label", "extensions", "required", "owner"}."""
    slots = []
    for entry in form.get("evidence") or []:
        if isinstance(entry, str):
            entry = {"slot": entry}
        key = entry.get("slot", "")
        if not SLOT_RE.fullmatch(key):
            raise ValueError(f"evidence slot {key!r} must be snake_case, at most 60 characters")
        extensions = tuple(entry.get("extensions") or DOCUMENT_EXTENSIONS)
        unknown = set(extensions) - set(CONTENT_TYPES)
        if unknown:
            raise ValueError(f"evidence slot {key!r} names unknown extensions {sorted(unknown)}")
        owner = entry.get("owner") or "unit"
        if owner not in EVIDENCE_OWNERS:
            raise ValueError(f"evidence slot {key!r} names unknown owner {owner!r}")
        label = entry.get("label") or {}
        slots.append(Slot(key, label, extensions, bool(entry.get("required")), owner))
    return slots
