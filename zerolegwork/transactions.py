"""Committing a unit of work that may lose a race for a row: run it again, a bounded number of times."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from .audit import services as audit
from .engine.errors import ConcurrentUpdateError
from .extensions import db

T = TypeVar("T")

# a completion that lost the race for its instance row runs again up to this many times in all
MAX_ATTEMPTS = 8


def commit_retrying(
    work: Callable[[], T],
    *,
    object_type: str = "transaction",
    object_id: object = None,
    actor_id: int | None = None,
    attempts: int = MAX_ATTEMPTS,
) -> T:
    """Run `work` and commit; when it lost only a race (ConcurrentUpdateError), roll back and run it again.

    Each attempt starts from a fresh transaction, so it reads what the winner committed and checks
    everything again: a task the winner completed is then refused as no longer ready (409), never
    completed twice. A unit of work that needed more than one attempt is audited once, with the count.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            if attempt > 1:
                audit.record("transaction.retried", object_type, object_id, actor_id, attempts=attempt)
            db.session.commit()
            return result
        except ConcurrentUpdateError:
            db.session.rollback()
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0, 0.002 * attempt))  # let the winner's commit land, spread the others
    raise AssertionError("unreachable")
