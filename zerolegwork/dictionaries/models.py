"""A dictionary entry (数据字典): one value of one classification, kept by platform administrators."""

from __future__ import annotations

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DictionaryEntry(db.Model):
    """A value of a classification: projects store its `name`; `aliases` are other words for it."""

    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_dictionary_entry_kind_code"),
        UniqueConstraint("kind", "name", name="uq_dictionary_entry_kind_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
