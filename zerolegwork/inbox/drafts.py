"""Drafts of task forms: what a user has typed, kept on the server until they submit (one per user and task).

A draft survives a reload, an upload that leaves the page, signing out and a session timeout. Only
the form's own inputs are kept (its fields, and the cells `<field>-<row>-<column>` of its table
fields), as text; a draft is refused whole when it would exceed MAX_BYTES. Only someone who may act
on the task now may keep a draft of it; a draft of a task that has moved on is not shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..db import is_postgres, utcnow
from ..engine import runtime
from ..engine.errors import TaskNotFoundError
from ..engine.forms import CELL_RE
from ..engine.models import HumanTask, HumanTaskState
from ..engine.routing import actor_for, may_act
from ..extensions import db
from ..orgs.models import User
from .errors import DraftTooLargeError
from .models import TaskDraft

MAX_BYTES = 256 * 1024  # a full investment plan with its tables is a few KB
MAX_VALUE = 20_000  # characters of one input


def _actable_task(user: User, task_id: int) -> HumanTask:
    ht = runtime.load_task(task_id)
    if ht.state != HumanTaskState.READY or not may_act(actor_for(user), ht.org_code, ht.post_id):
        raise TaskNotFoundError(str(task_id))
    return ht


def _inputs_of(form: Mapping[str, Any]) -> tuple[set[str], dict[str, set[str]]]:
    """The form's plain input names, and its table fields with their column names."""
    plain: set[str] = set()
    tables: dict[str, set[str]] = {}
    for field in form.get("fields", []):
        if field.get("type") == "rows":
            tables[field["name"]] = {c["name"] for c in field.get("columns", [])}
        else:
            plain.add(field["name"])
    return plain, tables


def keep(form: Mapping[str, Any], submitted: Mapping[str, Any]) -> dict[str, str]:
    """The part of a submitted form a draft keeps: the form's own inputs, as text (cut at MAX_VALUE)."""
    plain, tables = _inputs_of(form)
    kept: dict[str, str] = {}
    for key, value in submitted.items():
        if not isinstance(value, str):
            continue
        cell = CELL_RE.fullmatch(key)
        if key in plain or (cell and cell[3] in tables.get(cell[1], ())):
            kept[key] = value[:MAX_VALUE]
    return kept


def save(user: User, task_id: int, submitted: Mapping[str, Any]) -> datetime:
    """Keep what the user typed into the task's form (replacing their earlier draft); flush only."""
    ht = _actable_task(user, task_id)
    values = keep(runtime.task_form(ht), submitted)
    size = len(json.dumps(values, ensure_ascii=False).encode())
    if size > MAX_BYTES:
        raise DraftTooLargeError(size, MAX_BYTES)
    now = utcnow()
    row = {"human_task_id": ht.id, "user_id": user.id, "values": values, "saved_at": now}
    dialect = postgresql if is_postgres() else sqlite
    statement = dialect.insert(TaskDraft).values(**row)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["human_task_id", "user_id"], set_={"values": values, "saved_at": now}
        )
    )
    return now


def load(user: User, task_id: int) -> TaskDraft | None:
    """The user's draft of a task, if they kept one."""
    return db.session.scalars(
        select(TaskDraft).where(TaskDraft.human_task_id == task_id, TaskDraft.user_id == user.id)
    ).first()


def discard(user: User, task_id: int) -> None:
    """Drop the user's draft of a task they may act on (when they throw it away); flush only."""
    _actable_task(user, task_id)
    drop(user, task_id)


def drop(user: User, task_id: int) -> None:
    """Drop the user's draft of a task, with no check (the task was just submitted by them); flush only."""
    db.session.execute(delete(TaskDraft).where(TaskDraft.human_task_id == task_id, TaskDraft.user_id == user.id))
