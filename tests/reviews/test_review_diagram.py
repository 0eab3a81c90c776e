"""The review diagram deploys, its every form names a registered hook (or none), and a wrong hook is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from zerolegwork.engine import hooks
from zerolegwork.engine.catalog import load_catalog


def test_every_review_form_names_a_registered_hook_or_none(app: Any) -> None:
    forms = sorted((ROOT / "forms").glob("review_*.json"))
    assert len(forms) == 12
    named = {json.loads(f.read_text(encoding="utf-8")).get("hook") for f in forms} - {None}
    assert named <= hooks.names()
    assert "review" in load_catalog(ROOT / "bpmn", ROOT / "forms").bundles


def test_a_form_naming_an_unknown_hook_refuses_its_process(app: Any, tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms)
    path = forms / "review_archive.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "hook": "review_archive_typo"}, ensure_ascii=False), encoding="utf-8")
    catalog = load_catalog(ROOT / "bpmn", forms)
    assert "review" in catalog.refused
    assert any(p.element == "hook" and "review_archive_typo" in p.reason for p in catalog.problems)
