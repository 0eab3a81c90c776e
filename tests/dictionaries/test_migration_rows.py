"""Migration 0013 seeds frozen rows; the shipped defaults must still be what it seeded (else: a new revision)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from zerolegwork.dictionaries.defaults import shipped

MIGRATION = Path(__file__).parents[2] / "zerolegwork" / "migrations" / "versions" / "0013_dictionaries.py"


def test_the_dictionary_migration_seeds_exactly_the_shipped_defaults_without_importing_them():
    spec = importlib.util.spec_from_file_location("migration_0013", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "zerolegwork" not in MIGRATION.read_text(encoding="utf-8").split('"""', 2)[2]
    # a change to dictionaries/defaults.py must come with a revision that brings installed databases along
    assert module.rows() == shipped()
