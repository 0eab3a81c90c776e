"""The budget import and the reads on PostgreSQL: exact sums and the unique key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from zerolegwork.api import tokens
from zerolegwork.api.models import BudgetArrangement, TokenScope
from zerolegwork.extensions import db


@pytest.fixture
def pg_token(pg_app: Flask) -> dict[str, Any]:
    from zerolegwork import demo

    demo.seed()
    _row, token = tokens.issue_token("finance", "财政", (TokenScope.READ, TokenScope.BUDGET_WRITE))
    db.session.commit()
    return {"token": token, "client": pg_app.test_client()}


def test_ten_thousandths_add_up_exactly_and_a_resend_is_unchanged_on_postgres(pg_token):
    client, headers = pg_token["client"], {"Authorization": f"Bearer {pg_token['token']}"}
    pid = client.get("/api/v1/projects", headers=headers).json["items"][0]["id"]
    items = [
        {
            "project_id": pid,
            "year": 2026,
            "amount": "0.0001",
            "source": "city",
            "document_no": f"文{i}",
            "arranged_on": "2026-03-01",
        }
        for i in range(100)
    ] + [
        {
            "project_id": pid,
            "year": 2026,
            "amount": "999999999999.9999",
            "source": "bonds",
            "document_no": "大",
            "arranged_on": "2026-03-01",
        }
    ]
    assert client.post("/api/v1/budget-arrangements", json=items, headers=headers).status_code == 201
    again = client.post("/api/v1/budget-arrangements", json=items, headers=headers)
    assert (again.status_code, again.json["unchanged"]) == (200, 101)
    funding = client.get(f"/api/v1/projects/{pid}/funding", headers=headers).json
    assert funding["budget_arranged_total"] == "1000000000000.0099"
    assert db.session.scalar(db.select(db.func.count()).select_from(BudgetArrangement)) == 101
    assert Decimal(funding["budget_arranged_total"]) == Decimal("999999999999.9999") + Decimal("0.0100")
