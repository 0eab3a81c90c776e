"""Schemathesis against the served OpenAPI document, in-process, with a valid token: no server error, and
every response matches the schema the document gives for it. Bounded: few examples per operation, derandomized.

One test per operation of the document; each drives the operation's Hypothesis strategy itself (schemathesis's
pytest fixture loader does not run under this pytest version).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from zerolegwork.api import spec
from zerolegwork.api.models import TokenScope

OPERATIONS = sorted(
    (method.upper(), path) for path, ops in spec.build()["paths"].items() for method in ops if method != "parameters"
)
EXAMPLES = 25


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_keeps_to_its_document(app, world, issue, method, path):
    token = issue("finance", (TokenScope.READ, TokenScope.BUDGET_WRITE))
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    headers = {"Authorization": f"Bearer {token}"}
    calls = []

    known = sorted(world["projects"][name].id for name in world["projects"])

    # half the cases name a project that exists, so more than the 404 and 422 paths are exercised
    @given(case=operation.as_strategy(), project_id=st.one_of(st.none(), st.sampled_from(known)))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def keeps_to_the_document(case: schemathesis.Case, project_id: int | None) -> None:
        if project_id is not None:
            _aim(case, project_id)
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
        calls.append(response.status_code)

    keeps_to_the_document()
    assert calls, "no case was generated"
    if method == "POST" or "{project_id}" in path:
        assert 200 in calls or 201 in calls, calls  # the known projects were reached, not only 404s and 422s


def _aim(case: schemathesis.Case, project_id: int) -> None:
    """Point a generated case at an existing project (a value the document allows as well)."""
    if case.path_parameters and "project_id" in case.path_parameters:
        case.path_parameters["project_id"] = project_id
    if isinstance(case.body, list):
        for item in case.body:
            if isinstance(item, dict) and "project_id" in item:
                item["project_id"] = project_id
                item.pop("project_code", None)
            if isinstance(item, dict) and case.path.endswith("/payments"):
                # a payment the form takes: a past date, an amount above 0, a payee, no contract it cannot find
                item.update(paid_on="2026-01-15", amount="1.0000", payee="包头市第一建筑工程有限公司")
                item.pop("contract", None)
