"""Large parallel multi-instance tasks: their items live outside the engine's task tree.

SpiffWorkflow makes one child task per item of a parallel multi-instance and keeps them all in the
instance's state, so every completion reads and writes every item: at 10,000 items a completion took
3 s and a web worker 1 GB (bench/wide_mi.py). Past `Settings.mi_detach_at` items, a multi-instance
whose body is one user task (no completion condition) creates no children: it waits, STARTED, with
its collection, and the platform keeps one human_task row per item (`item_of` = the multi-instance
task's id, `item_index` = the item's position). An item's completion writes its row and its answers
(instance_item) under the instance lock without loading the engine state; the last one loads it once,
gives the multi-instance its outputs in the collection's order and lets it run on.

What the engine does with an item's answers is what it does with a child's: the user task's form data
goes into the item's data (under the task's variable name, or merged), and the multi-instance's output
item is read from there (or from the task's data, as the child would have inherited it).
"""

from __future__ import annotations

import json
import uuid
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from SpiffWorkflow.bpmn.exceptions import WorkflowDataException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.specs.defaults import ParallelMultiInstanceTask, UserTask
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, exists, insert, select, update

from ..db import utcnow
from ..extensions import db
from .errors import TaskNotReadyError
from .models import HumanTask, HumanTaskState, InstanceItem

DEFAULT_DETACH_AT = 200

HT = HumanTask.__table__
II = InstanceItem.__table__
_COMPLETE_ITEM = (
    update(HT)
    .where(HT.c.id == bindparam("b_task"), HT.c.state == HumanTaskState.READY.value)
    .values(state=HumanTaskState.COMPLETED.value, completed_by_id=bindparam("b_actor"), completed_at=bindparam("b_now"))
)
_INSERT_ITEM = insert(II)
# EXISTS, not count(*): it stops at the first open item (a count read every open row: 6.6 ms at 10,000 on
# PostgreSQL, bench/wide_mi.py)
_OTHERS_OPEN = select(
    exists().where(
        HT.c.instance_id == bindparam("b_id"),
        HT.c.item_of == bindparam("b_mi"),
        HT.c.item_of.is_not(None),
        HT.c.state.in_([HumanTaskState.READY.value, HumanTaskState.SUSPENDED.value]),
        HT.c.id != bindparam("b_task"),
    )
)
_ITEM_ANSWERS = select(II.c.item_index, II.c.answers).where(
    II.c.instance_id == bindparam("b_id"), II.c.mi_guid == bindparam("b_mi")
)


def detach_at() -> int:
    """How many items a parallel multi-instance may keep in the engine state (the setting, or 200)."""
    if has_app_context():
        return int(current_app.config["ZLW"].mi_detach_at)
    return DEFAULT_DETACH_AT


class DetachableMultiInstance(ParallelMultiInstanceTask):
    """A parallel multi-instance user task that, over the limit, leaves its items to the platform."""

    def create_children(self, my_task: Any) -> None:
        items = self._detachable_items(my_task)
        if items is None:
            super().create_children(my_task)
            return
        if self.data_output is not None:
            self.init_data_output_with_input_data(my_task, items)
        my_task.internal_data["detached"] = len(items)

    def children_complete(self, my_task: Any) -> bool:
        if "detached" in my_task.internal_data:
            return bool(my_task.internal_data.get("joined"))
        return bool(super().children_complete(my_task))

    def _detachable_items(self, my_task: Any) -> Sequence[Any] | Mapping[Any, Any] | None:
        if self.data_input is None or self.condition is not None or not self.data_input.exists(my_task):
            return None
        items = self.data_input.get(my_task)
        if not isinstance(items, (Sequence, Mapping)) or isinstance(items, str) or len(items) <= detach_at():
            return None
        return items


def install(spec: BpmnProcessSpec) -> None:
    """Make every parallel multi-instance whose body is one user task detachable (build time, once per spec)."""
    for ts in spec.task_specs.values():
        if type(ts) is ParallelMultiInstanceTask and isinstance(spec.task_specs.get(ts.task_spec), UserTask):
            ts.__class__ = DetachableMultiInstance


def is_detached(task: Any) -> bool:
    """Whether a task is a multi-instance waiting for items kept outside the engine state."""
    return "detached" in task.internal_data and not task.internal_data.get("joined")


def waiting_multi_instances(workflow: Any) -> dict[str, Any]:
    """The multi-instance tasks whose items are with people now, by task id (any live sub-workflow)."""
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.STARTED) if is_detached(t)}


def item_guid(mi_guid: str, index: int) -> str:
    """The id an item's human_task row carries as its task id (stable: the same item, the same id)."""
    return str(uuid.uuid5(uuid.UUID(mi_guid), str(index)))


@dataclass
class ItemView:
    """One item seen as the child task the engine would have made: its spec, data and parent."""

    task_spec: Any
    data: Mapping[str, Any]
    parent: Any
    index: int
    guid: str

    @property
    def workflow(self) -> Any:
        return self.parent.workflow


def _collection(mi: Any) -> list[tuple[Any, Any]]:
    items = mi.task_spec.data_input.get(mi)
    return list(items.items()) if isinstance(items, Mapping) else list(enumerate(items))


def item_views(mi: Any) -> list[ItemView]:
    """Every item of a detached multi-instance as a child-like view (the item's variable over the task's data)."""
    spec = mi.task_spec
    child_spec = mi.workflow.spec.task_specs[spec.task_spec]
    name = spec.input_item.bpmn_id if spec.input_item is not None else None
    out = []
    for index, (_key, item) in enumerate(_collection(mi)):
        data: Mapping[str, Any] = ChainMap({name: item}, mi.data) if name else mi.data
        out.append(ItemView(child_spec, data, mi, index, item_guid(str(mi.id), index)))
    return out


def item_data(mi: Any, index: int) -> dict[str, Any]:
    """The data one item's task page shows: the multi-instance's data with the item's variable."""
    spec = mi.task_spec
    data = dict(mi.data)
    pairs = _collection(mi)
    if spec.input_item is not None and 0 <= index < len(pairs):
        data[spec.input_item.bpmn_id] = pairs[index][1]
    return data


def join(mi: Any, answers: Mapping[int, dict[str, Any]]) -> None:
    """Give a detached multi-instance every item's output, in the collection's order, and let it run on.

    Raises WorkflowDataException, as the engine would for a child, when an item's output is missing.
    """
    spec = mi.task_spec
    child_spec = mi.workflow.spec.task_specs[spec.task_spec]
    variable = getattr(child_spec, "variable", None)
    in_name = spec.input_item.bpmn_id if spec.input_item is not None else None
    out_name = spec.output_item.bpmn_id if spec.output_item is not None else None
    pairs = _collection(mi)
    output = spec.data_output.get(mi) if spec.data_output is not None else None
    data_input = spec.data_input.get(mi)
    for index, (key, item) in enumerate(pairs):
        given = answers.get(index)
        if given is None:  # an item nobody answered (its row was cancelled): it gives no output
            continue
        own: dict[str, Any] = {in_name: item} if in_name else {}
        if variable is not None:
            own[variable] = given
        else:
            DeepMerge.merge(own, dict(given))
        if output is not None and out_name is not None:
            if out_name in own:
                value = own[out_name]
            elif out_name in mi.data:
                value = mi.data[out_name]
            else:
                raise WorkflowDataException(f"Expected an output item: {out_name}", mi)
            if isinstance(output, Mapping) or data_input is output:
                output[key] = value
            else:
                output.append(value)
        elif output is None:
            DeepMerge.merge(mi.data, own)
    mi.internal_data["joined"] = True
    mi._set_state(TaskState.READY)


def others_open(task: Any) -> bool:
    """Whether another item of the task's multi-instance is still open (ready or suspended)."""
    params = {"b_id": task.instance_id, "b_mi": task.item_of, "b_task": task.id}
    return bool(db.session.connection().execute(_OTHERS_OPEN, params).scalar_one())


def keep_answers(task: Any, actor_id: int | None, answers: dict[str, Any]) -> None:
    """Mark one item completed and keep its answers (two statements, under the instance lock).

    A second completion of the same item (a request that waited for the lock behind the first) finds the
    row no longer ready and is refused.
    """
    conn = db.session.connection()
    now = utcnow()
    if conn.execute(_COMPLETE_ITEM, {"b_task": task.id, "b_actor": actor_id, "b_now": now}).rowcount != 1:
        raise TaskNotReadyError(HumanTaskState.COMPLETED)
    row = {
        "instance_id": task.instance_id,
        "mi_guid": task.item_of,
        "item_index": task.item_index,
        "human_task_id": task.id,
        "answers": answers,
        "completed_at": now,
    }
    conn.execute(_INSERT_ITEM, [row])


def item_answers(instance_id: int, mi_guid: str) -> dict[int, dict[str, Any]]:
    """Every answered item of a large multi-instance, by its position in the collection."""
    rows = db.session.connection().execute(_ITEM_ANSWERS, {"b_id": instance_id, "b_mi": mi_guid})
    return {int(index): answers for index, answers in rows}


# past this many rows, PostgreSQL gets them by COPY: a multi-row INSERT of 10,000 task rows spent 3.5 s
# in the driver turning its parameters into SQL (bench/wide_mi.py); COPY takes them as data
COPY_FROM = 500


def insert_rows(rows: list[dict[str, Any]]) -> list[int] | None:
    """Insert many item rows of human_task by COPY on PostgreSQL; their ids in order. None: not done here.

    Only rows of large multi-instances (item_of set) and only on PostgreSQL; everything else goes through
    the ordinary INSERT (store.insert_tasks), which fills the same defaults.
    """
    conn = db.session.connection()
    if len(rows) < COPY_FROM or conn.dialect.name != "postgresql" or any(r.get("item_of") is None for r in rows):
        return None
    now = utcnow()
    columns = [c.name for c in HT.c if c.name != "id"]
    cursor = conn.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY human_task ({', '.join(columns)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([_copy_value(name, r, now) for name in columns])
    found = conn.execute(
        select(HT.c.item_of, HT.c.item_index, HT.c.id).where(
            HT.c.instance_id == bindparam("b_id"), HT.c.item_of.in_(bindparam("b_mis", expanding=True))
        ),
        {"b_id": rows[0]["instance_id"], "b_mis": sorted({r["item_of"] for r in rows})},
    )
    by_key = {(mi, index): int(task_id) for mi, index, task_id in found}
    return [by_key[(r["item_of"], r["item_index"])] for r in rows]


def _copy_value(name: str, row: dict[str, Any], now: datetime) -> Any:
    value = row.get(name)
    if name == "state" and value is None:
        return HumanTaskState.READY.value
    if name == "created_at" and value is None:
        value = now
    if name == "chain":
        return json.dumps(value or [])
    if name == "chain_pos" and value is None:
        return 0
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
