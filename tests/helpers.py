"""Small helpers shared by tests: drive the joint sign-off through the services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from zerolegwork.engine.models import HumanTask, HumanTaskState
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.projects import services as projects

DEPARTMENT_USERS = {"finance": "finance1", "ndrc": "ndrc1", "environment": "env1", "housing": "housing1"}


def submit(people: dict[str, Any], index: int = 0) -> Any:
    project = people["projects"][index]
    projects.submit_for_signoff(people["users"]["unit1"], project.id)
    db.session.commit()
    return project


def ready_tasks(project_id: int, org_code: str | None = None) -> list[HumanTask]:
    stmt = select(HumanTask).where(HumanTask.project_id == project_id, HumanTask.state == HumanTaskState.READY)
    if org_code:
        stmt = stmt.where(HumanTask.org_code == org_code)
    return list(db.session.scalars(stmt.order_by(HumanTask.id)))


def sign(
    people: dict[str, Any], project_id: int, org_code: str, decision: str = "approve", opinion: str = "同意。"
) -> Any:
    user = people["users"][DEPARTMENT_USERS[org_code]]
    (task,) = ready_tasks(project_id, org_code)
    result = inbox.complete(user, task.id, {"decision": decision, "opinion": opinion})
    db.session.commit()
    return result


def revise(people: dict[str, Any], project_id: int, action: str = "resubmit") -> Any:
    user = people["users"]["unit1"]
    (task,) = ready_tasks(project_id, "demo_unit")
    result = inbox.complete(user, task.id, {"action": action, "note": "已按意见修改"})
    db.session.commit()
    return result


def run_together(app: Any, *fns: Any) -> list[Any]:
    """Run each function in its own thread and app context, released at the same instant; commit each.

    A function that raises leaves its exception in the results (and its transaction rolled back).
    """
    import threading

    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def target(i: int, fn: Any) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[i] = fn()
                db.session.commit()
            except Exception as exc:  # the caller inspects what each one raised
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
