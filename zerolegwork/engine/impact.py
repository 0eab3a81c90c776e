"""Which running instances a change touches: those waiting at, or having passed, a changed or removed element.

Read from what is stored, without restoring a workflow: the flow nodes the instance has visited (kept
on its row as loops are pruned from the state), the live state's tasks (each with its flow node and
state, the called and embedded sub-processes included), the archived called processes that finished,
and the people's task rows (every visit of a user task). An instance last saved before the visits were
recorded (migration 0009) may have lost an earlier loop round's non-user tasks; `flask zlw compact`
records what its state still holds. Instances are read in chunks, three statements a chunk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..extensions import db
from .diff import BundleDiff
from .models import HumanTask, HumanTaskState, InstanceArchive, InstanceState, ProcessInstance

CHUNK = 500
# SpiffWorkflow's task states (SpiffWorkflow.util.task.TaskState) as stored in the state JSON
_WAITING = 8 | 16 | 32  # WAITING, READY, STARTED
_COMPLETED = 64
_MI_CHILD = " [child]"


@dataclass
class Affected:
    """A running instance a change touches: where it waits at a changed element, which ones it passed."""

    instance_id: int
    project_id: int | None
    process_id: str
    waiting: set[tuple[str, str]] = field(default_factory=set)  # (process id, element id)
    passed: set[tuple[str, str]] = field(default_factory=set)
    holders: set[str] = field(default_factory=set)  # organisation codes holding a waiting task there

    @property
    def only_before(self) -> bool:
        """Whether nothing changed has been reached yet (such an instance can move to the new version)."""
        return not self.waiting and not self.passed


def affected_instances(definition_ids: Iterable[int], diff: BundleDiff) -> Iterator[Affected]:
    """Every running (or incident) instance of these versions that waits at or passed a touched element
    (for a touched sequence flow: its source node)."""
    touched = diff.watched()
    if not touched:
        return
    by_element: dict[str, set[tuple[str, str]]] = {}
    for key in touched:
        by_element.setdefault(key[1], set()).add(key)
    ids = list(
        db.session.scalars(
            select(ProcessInstance.id)
            .where(
                ProcessInstance.definition_id.in_(list(definition_ids)),
                ProcessInstance.status.in_([InstanceState.RUNNING, InstanceState.INCIDENT, InstanceState.SUSPENDED]),
            )
            .order_by(ProcessInstance.id)
        )
    )
    for start in range(0, len(ids), CHUNK):
        yield from _chunk(ids[start : start + CHUNK], touched, by_element)


def _chunk(
    ids: list[int], touched: set[tuple[str, str]], by_element: dict[str, set[tuple[str, str]]]
) -> Iterator[Affected]:
    rows = db.session.execute(
        select(
            ProcessInstance.id,
            ProcessInstance.project_id,
            ProcessInstance.process_id,
            ProcessInstance.state,
            ProcessInstance.visited,
        ).where(ProcessInstance.id.in_(ids))
    ).all()
    archives: dict[int, list[str]] = {}
    for instance_id, state in db.session.execute(
        select(InstanceArchive.instance_id, InstanceArchive.state).where(InstanceArchive.instance_id.in_(ids))
    ):
        archives.setdefault(instance_id, []).append(state)
    people: dict[int, list[tuple[str, str, str]]] = {}
    for instance_id, bpmn_id, state, org in db.session.execute(
        select(HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.state, HumanTask.org_code).where(
            HumanTask.instance_id.in_(ids)
        )
    ):
        people.setdefault(instance_id, []).append((bpmn_id, state, org))
    for instance_id, project_id, process_id, state, visited in sorted(rows):
        found = Affected(instance_id, project_id, process_id)
        for line in (visited or "").splitlines():
            key = tuple(line.split(" ", 1))
            if key in touched:
                found.passed.add(key)  # type: ignore[arg-type]
        live = json.loads(state)
        _scan(found, process_id, live.get("tasks", {}), touched)
        for sub in live.get("subprocesses", {}).values():
            _scan(found, str(sub.get("spec", "")), sub.get("tasks", {}), touched)
        for archived in archives.get(instance_id, []):
            sub = json.loads(archived)
            _scan(found, str(sub.get("spec", "")), sub.get("tasks", {}), touched)
        for bpmn_id, task_state, org in people.get(instance_id, []):
            for key in by_element.get(bpmn_id, ()):
                if task_state in (HumanTaskState.READY, HumanTaskState.SUSPENDED):
                    found.waiting.add(key)
                    found.holders.add(org)
                elif task_state == HumanTaskState.COMPLETED:
                    found.passed.add(key)
        found.passed -= found.waiting
        if not found.only_before:
            yield found


def _scan(found: Affected, process_id: str, tasks: dict[str, Any], touched: set[tuple[str, str]]) -> None:
    for task in tasks.values():
        name = str(task.get("task_spec", ""))
        if name.endswith(_MI_CHILD):
            name = name[: -len(_MI_CHILD)]
        key = (process_id, name)
        if key not in touched:
            continue
        state = int(task.get("state", 0))
        if state & _WAITING:
            found.waiting.add(key)
        elif state & _COMPLETED:
            found.passed.add(key)
