"""The wide sign-off fixture: one multi-instance department review over any number of departments."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.deploy import deploy_catalog
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Organisation, User

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def deploy_wide_signoff(tmp_path: Path) -> None:
    folder = tmp_path / "bpmn"
    folder.mkdir()
    shutil.copy(FIXTURES / "wide_signoff.bpmn", folder / "wide_signoff.bpmn")
    catalog = load_catalog(folder, ROOT / "forms")
    assert not catalog.problems, catalog.problems
    deploy_catalog(catalog)
    db.session.commit()


def twenty_departments() -> list[tuple[str, int]]:
    """The demo's twenty district departments (finance and development-and-reform of ten districts), a handler each."""
    pairs = []
    for code in db.session.scalars(
        select(Organisation.code).where(
            Organisation.code.like("%\\_finance", escape="\\") | Organisation.code.like("%\\_ndrc", escape="\\")
        )
    ):
        region, kind = code.rsplit("_", 1)
        user = db.session.scalar(select(User).where(User.username == f"{kind}1_{region}"))
        if user is not None:
            pairs.append((code, user.id))
    return sorted(pairs)[:20]
