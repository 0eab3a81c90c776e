"""On PostgreSQL, amounts are exact: many ten-thousandths add up to exactly what they should."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from tests.records.support import answers
from zerolegwork.extensions import db
from zerolegwork.records import services
from zerolegwork.records.models import FundingSource, Procurement


def test_a_thousand_awards_of_a_ten_thousandth_sum_to_exactly_a_tenth_on_postgres(pg_projects):
    project = pg_projects[0]
    for _ in range(1000):
        services.write("procurement", project.id, answers("procurement", award_amount="0.0001"), None, None)
    db.session.commit()
    total = db.session.scalar(select(func.sum(Procurement.award_amount)))
    assert isinstance(total, Decimal)
    assert total == Decimal("0.1000")


def test_a_plan_of_ten_thousandths_and_its_sources_stay_exact_on_postgres(pg_projects):
    project = pg_projects[0]
    plan = {
        "total": "9999999999.9999",
        "term_years": 5,
        "construction_cost": "9999999999.9996",
        "equipment_cost": "0.0001",
        "other_cost": "0.0001",
        "contingency": "0.0001",
        "fund_central": "0.0001",
        "fund_self_raised": "9999999999.9998",
    }
    services.write("investment_plan", project.id, plan, None, None)
    db.session.commit()
    db.session.expire_all()
    current = services.current_investment_plan(project.id)
    assert (
        current.construction_cost + current.equipment_cost + current.other_cost + current.contingency == current.total
    )
    assert db.session.scalar(select(func.sum(FundingSource.amount))) == Decimal("9999999999.9999")


def test_every_kind_writes_on_postgres_with_the_project_locked(pg_projects):
    from tests.records.support import VALID

    project = pg_projects[0]
    for kind in sorted(VALID):
        services.write(kind, project.id, answers(kind), None, None)
    db.session.commit()
    found = services.records_of(project.id)
    assert all(len(found[kind]) == 1 for kind in VALID)
    assert found["progress_report"][0].investment_completed == Decimal("250.0001")
