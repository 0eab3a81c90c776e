"""Bring stored instances to the compact live state (earlier loop visits pruned, finished called processes archived).

New completions keep the live state compact by themselves (steps.save); this migrates instances
written before that, one instance per transaction. Nothing a later step reads is lost: the tasks
still to run keep their full data, finished called processes move to instance_archive whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from . import store
from .models import InstanceState, ProcessInstance
from .state import SERIALIZER, dump_live, next_timer, prune_loops, restore, visited_nodes


@dataclass
class Compacted:
    """What compacting one instance did (or would do, in a dry run)."""

    instance_id: int
    process_id: str
    status: str
    bytes_before: int
    bytes_after: int
    archived: int  # called processes moved out
    archived_bytes: int
    pruned: int  # tasks of earlier loop visits dropped


def compact_instances(dry_run: bool = False, instance_ids: list[int] | None = None) -> Iterator[Compacted]:
    """Compact every stored instance (or the given ones); commit each unless `dry_run` (then nothing changes)."""
    stmt = select(ProcessInstance.id).order_by(ProcessInstance.id)
    if instance_ids:
        stmt = stmt.where(ProcessInstance.id.in_(instance_ids))
    for instance_id in list(db.session.scalars(stmt)):
        done = compact_one(instance_id, dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if done is not None:
            yield done


def compact_one(instance_id: int, dry_run: bool) -> Compacted | None:
    """Compact one instance under its row lock; None when it is gone."""
    row = store.lock_instance(instance_id)
    if row is None:
        return None
    workflow = restore(row)
    visited = visited_nodes(workflow, row.visited)
    pruned = prune_loops(workflow)
    state, archived = dump_live(workflow)
    result = Compacted(
        row.id,
        row.process_id,
        row.status,
        len(row.state.encode()),
        len(state.encode()),
        len(archived),
        sum(len(a.state.encode()) for a in archived),
        pruned,
    )
    changed = pruned or archived or visited != row.visited
    if not dry_run and changed:
        # the same status and timer: compaction changes where the state is kept, not what it says
        timer = next_timer(workflow) if row.status == InstanceState.RUNNING else row.next_timer_at
        store.save_instance(row, state, SERIALIZER.VERSION, row.status, timer, visited)
        store.archive(row.id, [(a.task_guid, a.process_id, a.state) for a in archived])
    return result
