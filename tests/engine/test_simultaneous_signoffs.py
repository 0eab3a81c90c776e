"""Many departments signing one joint approval at the same moment: every one succeeds on the first click."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.engine.wide_support import deploy_wide_signoff, twenty_departments
from tests.helpers import run_together
from zerolegwork.audit import services as audit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.errors import ConcurrentUpdateError
from zerolegwork.engine.models import HumanTask, HumanTaskState, InstanceState, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import User
from zerolegwork.transactions import commit_retrying


def _signer(user_id: int, task_id: int, opinion: str):  # type: ignore[no-untyped-def]
    def sign() -> object:
        # what the task page's POST does: the completion and its commit, retried when it lost only the race
        return commit_retrying(
            lambda: inbox.complete(db.session.get(User, user_id), task_id, {"decision": "approve", "opinion": opinion})
        )

    return sign


# 200: the twenty departments are child tasks in the engine state; 3: they are items outside it (engine/items.py)
@pytest.mark.parametrize("detach_at", [200, 3])
def test_twenty_departments_signing_at_once_all_succeed_and_the_join_fires_once(any_app, people, tmp_path, detach_at):
    any_app.config["ZLW"].mi_detach_at = detach_at
    deploy_wide_signoff(tmp_path)
    departments = twenty_departments()
    assert len(departments) == 20
    started = runtime.start_instance(
        "wide_signoff",
        {"departments": [code for code, _ in departments], "signoff_mode": "wide", "tally_runs": 0},
    )
    db.session.commit()
    tasks = dict(
        db.session.execute(
            select(HumanTask.org_code, HumanTask.id).where(
                HumanTask.instance_id == started.instance_id, HumanTask.state == HumanTaskState.READY
            )
        ).all()
    )
    assert len(tasks) == 20
    items = db.session.scalars(select(HumanTask.item_of).where(HumanTask.instance_id == started.instance_id)).all()
    assert all(items) if detach_at < 20 else not any(items)

    results = run_together(any_app, *(_signer(user_id, tasks[code], f"{code} 同意") for code, user_id in departments))

    assert [r for r in results if isinstance(r, Exception)] == []
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, started.instance_id)
    assert instance.status == InstanceState.COMPLETED
    data = runtime.instance_data(instance.id)
    assert data["tallied"] == 20 and data["tally_runs"] == 1
    assert data["decisions"] == ["approve"] * 20
    opinions = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "task.complete", AuditEvent.object_id.in_([str(t) for t in tasks.values()])
        )
    ).all()
    assert sorted(d["answers"]["opinion"] for d in opinions) == sorted(f"{code} 同意" for code, _ in departments)
    # the writers queued for the instance row (FOR UPDATE; BEGIN IMMEDIATE on SQLite): none had to run again
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "transaction.retried")) == 0
    completions = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "task.complete", AuditEvent.object_id.in_([str(t) for t in tasks.values()])
        )
    )
    assert completions == 20


def test_the_same_task_signed_twice_at_once_is_not_retried_into_a_second_completion(any_app, people, tmp_path):
    deploy_wide_signoff(tmp_path)
    code, user_id = twenty_departments()[0]
    started = runtime.start_instance("wide_signoff", {"departments": [code], "signoff_mode": "wide", "tally_runs": 0})
    db.session.commit()
    task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == started.instance_id))

    results = run_together(any_app, _signer(user_id, task_id, "第一次"), _signer(user_id, task_id, "第二次"))

    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert type(failures[0]).__name__ in ("TaskNotReadyError", "ConcurrentUpdateError")
    n = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "task.complete", AuditEvent.object_id == str(task_id)
        )
    )
    assert n == 1


def test_a_completion_that_lost_the_race_runs_again_and_is_audited_once(app, people):
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        audit.record("probe.work", "probe", len(calls), None)
        if len(calls) < 3:
            raise ConcurrentUpdateError("7")
        return "saved"

    assert commit_retrying(work, object_type="human_task", object_id=7, actor_id=None) == "saved"
    assert len(calls) == 3
    events = db.session.execute(select(AuditEvent.action, AuditEvent.object_id, AuditEvent.detail)).all()
    # the lost attempts left nothing; the one that landed says it needed three attempts
    assert [(a, o) for a, o, _ in events if a == "probe.work"] == [("probe.work", "3")]
    assert [(a, o, d) for a, o, d in events if a == "transaction.retried"] == [
        ("transaction.retried", "7", {"attempts": 3})
    ]


def test_a_completion_that_keeps_losing_gives_up_after_the_bound(app, people):
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise ConcurrentUpdateError("7")

    with pytest.raises(ConcurrentUpdateError):
        commit_retrying(work, attempts=4)
    assert len(calls) == 4
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "transaction.retried")) == 0
