"""The amount a contract's payments may reach when a cost audit has fixed it (审定金额).

The audited amounts come from accepted cost-audit deliveries (orders/figures.py): a contract that no
accepted cost audit names has none, and the contract rule checks payments against its own amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ..orders.figures import audited_amounts as accepted_audits


def audited_amounts(project_ids: Iterable[int]) -> dict[int, Decimal]:
    """Contract id -> its cost-audited amount (万元) for the contracts of these projects that have one."""
    return accepted_audits(project_ids)
