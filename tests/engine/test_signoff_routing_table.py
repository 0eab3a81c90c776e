"""The decision table chooses which departments sign and in which mode."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.helpers import ready_tasks
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects


@pytest.mark.parametrize(
    ("category", "amount", "expected"),
    [
        (
            "市政道路",
            "12800",
            {"finance": "approval", "ndrc": "approval", "environment": "approval", "housing": "approval"},
        ),
        ("市政道路", "800", {"finance": "approval", "ndrc": "filing", "environment": "filing", "housing": "approval"}),
        ("生态环保", "3000", {"finance": "approval", "ndrc": "approval", "environment": "approval"}),
        (
            "生态环保",
            "10000",
            {"finance": "approval", "ndrc": "approval", "environment": "approval", "housing": "approval"},
        ),
        (
            "工业",
            "999.9999",
            {"finance": "approval", "ndrc": "filing", "environment": "filing", "economy_it": "verification"},
        ),
        ("教育", "5000", {"finance": "approval", "ndrc": "approval", "environment": "approval"}),
        ("教育", "4999.9999", {"finance": "approval", "ndrc": "approval", "environment": "filing"}),
    ],
)
def test_the_table_routes_by_category_and_investment(any_app, people, category, amount, expected):
    unit = people["users"]["unit1"]
    project = projects.create_project("2026-DMN-0001", "路由测试项目", unit.org_id, "昆区", category, Decimal(amount))
    projects.submit_for_signoff(unit, project.id)
    db.session.commit()
    assert {t.org_code: t.mode for t in ready_tasks(project.id)} == expected


def test_a_filing_department_follows_its_filing_chain(any_app, people):
    from sqlalchemy import select

    from zerolegwork.orgs import structure
    from zerolegwork.orgs.models import ApprovalMode, Organisation, Post

    ndrc = db.session.scalars(select(Organisation).where(Organisation.code == "ndrc")).one()
    posts = {p.name: p for p in db.session.scalars(select(Post).where(Post.org_id == ndrc.id))}
    structure.set_chain(ndrc, ApprovalMode.FILING, [posts["科长岗"]])
    unit = people["users"]["unit1"]
    project = projects.create_project("2026-DMN-0002", "备案项目", unit.org_id, "昆区", "市政道路", Decimal("500"))
    projects.submit_for_signoff(unit, project.id)
    db.session.commit()
    (task,) = ready_tasks(project.id, "ndrc")
    assert task.mode == "filing" and task.post_id == posts["科长岗"].id
