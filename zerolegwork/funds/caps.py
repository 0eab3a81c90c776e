"""The amount a contract's payments may reach when a cost audit has fixed it (审定金额).

The cost-audit orders are built elsewhere; until they are wired in here, no contract has an audited
amount and the contract rule checks payments against the contract's own amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def audited_amounts(project_ids: Iterable[int]) -> dict[int, Decimal]:
    """Contract id -> its cost-audited amount (万元) for the contracts of these projects that have one."""
    return {}
