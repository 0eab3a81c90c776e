"""Two uploads of the same bytes at the same moment (PostgreSQL): both succeed, the content is stored once."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.files import samples
from tests.helpers import run_together
from zerolegwork.extensions import db
from zerolegwork.files import services
from zerolegwork.files.models import Attachment, Blob


def test_the_same_file_uploaded_twice_at_once_is_one_blob(pg_app, people):
    unit1_id = people["users"]["unit1"].id
    first, second = (p.id for p in people["projects"][:2])

    def upload(project_id: int, slot: str):
        from zerolegwork.orgs.models import User

        def run() -> int:
            user = db.session.get(User, unit1_id)
            return services.upload(user, project_id, slot, "报告.pdf", io.BytesIO(samples.PDF)).id

        return run

    # two projects: no shared row lock, the blob row is inserted by one and skipped by the other
    results = run_together(pg_app, upload(first, "report"), upload(second, "report"))
    assert all(isinstance(r, int) for r in results), results
    # one slot of one project: the second waits for the first, finds the same newest version
    results = run_together(pg_app, upload(first, "plan"), upload(first, "plan"))
    assert all(isinstance(r, int) for r in results) and results[0] == results[1], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 3
