"""Two departments at once, one task twice at once, two timer sweeps at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.engine.probe_diagrams import write_probe
from tests.helpers import ready_tasks, run_together, sign
from zerolegwork import timers
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine import runtime
from zerolegwork.engine.catalog import load_catalog
from zerolegwork.engine.deploy import deploy_catalog
from zerolegwork.engine.errors import ConcurrentUpdateError, TaskNotReadyError
from zerolegwork.engine.models import HumanTask, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs.models import User
from zerolegwork.projects import services as projects

FORMS = __import__("pathlib").Path(__file__).resolve().parents[2] / "forms"


def completer(user_id: int, task_id: int, decision: str, opinion: str) -> Callable[[], Any]:
    def fn() -> Any:
        user = db.session.get(User, user_id)
        return inbox.complete(user, task_id, {"decision": decision, "opinion": opinion})

    return fn


@pytest.mark.slow
def test_two_departments_signing_at_the_same_moment_both_count_50_times(pg_app, people):
    users = people["users"]
    for rep in range(50):
        project = projects.create_project(
            f"2026-RACE-{rep:04d}", f"并发测试项目{rep}", users["unit1"].org_id, "昆区", "市政道路", Decimal("100")
        )
        projects.submit_for_signoff(users["unit1"], project.id)
        db.session.commit()
        (fin,) = ready_tasks(project.id, "finance")
        (ndrc,) = ready_tasks(project.id, "ndrc")
        results = run_together(
            pg_app,
            completer(users["finance1"].id, fin.id, "approve", f"财政{rep}"),
            completer(users["ndrc1"].id, ndrc.id, "reject", f"发改{rep}"),
        )
        assert not [r for r in results if isinstance(r, Exception)], (rep, results)
        db.session.expire_all()
        sign(people, project.id, "environment")
        result = sign(people, project.id, "housing")
        opinions = {o["department"]: o for o in result.data["opinions"]}
        assert set(opinions) == {"finance", "ndrc", "environment", "housing"}, rep
        assert opinions["finance"]["opinion"] == f"财政{rep}" and opinions["ndrc"]["decision"] == "reject"


def test_the_same_task_submitted_twice_at_once_completes_once(any_app, people):
    users = people["users"]
    project = people["projects"][0]
    projects.submit_for_signoff(users["unit1"], project.id)
    db.session.commit()
    (fin,) = ready_tasks(project.id, "finance")
    results = run_together(
        any_app,
        completer(users["finance1"].id, fin.id, "approve", "第一份"),
        completer(users["finance1"].id, fin.id, "reject", "第二份"),
    )
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], (TaskNotReadyError, ConcurrentUpdateError))
    n = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "task.complete", AuditEvent.object_id == str(fin.id)
        )
    )
    assert n == 1


def deploy_probe(tmp_path, **slots: str) -> None:
    catalog = load_catalog(write_probe(tmp_path / "bpmn", **slots), FORMS)
    assert not catalog.problems, catalog.problems
    deploy_catalog(catalog)
    db.session.commit()


def test_two_sweeps_at_once_fire_a_timer_once(any_app, tmp_path):
    deploy_probe(tmp_path)
    result = runtime.start_instance("probe", {"project_unit": "demo_unit", "review_limit": "PT1S"})
    db.session.commit()
    instance = db.session.get(ProcessInstance, result.instance_id)
    assert instance.next_timer_at is not None
    time.sleep(1.2)
    results = run_together(any_app, timers.sweep, timers.sweep)
    assert sorted(r for r in results if isinstance(r, int)) == [0, 1], results
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, result.instance_id)
    assert instance.status == "completed" and instance.next_timer_at is None
    fired = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "instance.timer"))
    assert fired == 1
    (review,) = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert review.state == "cancelled"


def test_a_timer_that_is_not_due_does_not_fire(any_app, tmp_path):
    deploy_probe(tmp_path)
    result = runtime.start_instance("probe", {"project_unit": "demo_unit", "review_limit": "P5D"})
    db.session.commit()
    assert timers.sweep() == 0
    assert db.session.get(ProcessInstance, result.instance_id).status == "running"


def test_one_completion_costs_at_most_ten_statements(any_app, people):
    users = people["users"]
    project = people["projects"][0]
    projects.submit_for_signoff(users["unit1"], project.id)
    db.session.commit()
    sign(people, project.id, "finance")  # warm the spec cache
    (task,) = ready_tasks(project.id, "ndrc")
    user = db.session.get(User, users["ndrc1"].id)
    db.session.expire_all()
    user = db.session.get(User, users["ndrc1"].id)
    _ = user.org.code
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        inbox.complete(user, task.id, {"decision": "approve", "opinion": "同意"})
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 10, statements
