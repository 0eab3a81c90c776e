"""The completion paths of the joint sign-off, set up once for bench/engine.py and the statement-count tests.

Each path prepares its situation through the services (committed, outside any measurement) and
returns the one action to measure: approving while other departments are still open, approving as
the last department (the join fires, the project is approved), rejecting as the last department
(the round closes and the unit gets 处理退回意见), moving a matter on inside a department's chain of
posts, returning it to the previous level (退回), adding a signer (加签), asking for and giving a
countersign (会签) and completing a countersigned step.

Needs the demo people (`demo.seed()`) and the repository's diagrams deployed. Every function works
inside an application context; the caller commits the measured action.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from zerolegwork import jobs
from zerolegwork.engine.models import HumanTask, HumanTaskState
from zerolegwork.extensions import db
from zerolegwork.inbox import actions, countersign
from zerolegwork.inbox import services as inbox
from zerolegwork.orgs import structure
from zerolegwork.orgs.models import ApprovalMode, Organisation, Post, User
from zerolegwork.projects import services as projects

DEPARTMENTS = ("finance", "ndrc", "environment", "housing")  # the four the routing table picks for 市政道路
SIGNERS = {"finance": "finance1", "ndrc": "ndrc1", "environment": "env1", "housing": "housing1"}
APPROVE = {"decision": "approve", "opinion": "同意。材料齐全，符合规划要求。"}
REJECT = {"decision": "reject", "opinion": "不同意：请补充环境影响评价材料。"}
_serial = itertools.count(1)

Action = Callable[[], Any]


@dataclass(frozen=True)
class CompletionPath:
    """One way a step is acted on: `prepare()` sets the scene (committed) and returns the action to measure."""

    name: str
    label: str
    prepare: Callable[[], Action]
    # the most statements the action and its commit may take (the tests pin the exact figure)
    goal: int = 10


def user(username: str) -> User:
    found = db.session.scalars(select(User).where(User.username == username)).one()
    return found


def new_signoff(tag: str = "P") -> dict[str, int]:
    """A fresh project submitted for the joint sign-off: {department: its ready task id} (committed)."""
    unit = user("unit1")
    project = projects.create_project(
        f"BENCH-{tag}-{next(_serial):06d}", "基准测试项目", unit.org_id, "市本级", "市政道路", Decimal("1000")
    )
    projects.submit_for_signoff(unit, project.id)
    db.session.commit()
    jobs.dispatch_committed()  # what the web's after_request does after the unit submits
    rows = db.session.execute(
        select(HumanTask.org_code, HumanTask.id).where(
            HumanTask.project_id == project.id, HumanTask.state == HumanTaskState.READY
        )
    ).all()
    tasks = dict(rows)
    assert sorted(tasks) == sorted(DEPARTMENTS), tasks
    return tasks


def _sign(department: str, task_id: int, answers: dict[str, str] = APPROVE) -> Any:
    return inbox.complete(user(SIGNERS[department]), task_id, dict(answers))


def _signing(department: str, task_id: int, answers: dict[str, str] = APPROVE) -> Action:
    """The measured signature: the signer is loaded before, as the login manager does for a request."""
    signer = user(SIGNERS[department])
    return lambda: inbox.complete(signer, task_id, dict(answers))


def _all_but_last(tasks: dict[str, int]) -> tuple[str, int]:
    """Sign every department but the last (committed); return the last one's (department, task id)."""
    *first, last = DEPARTMENTS
    for department in first:
        _sign(department, tasks[department])
        db.session.commit()
    return last, tasks[last]


def _finance() -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.code == "finance")).one()


def _finance_post(name: str) -> Post:
    return db.session.scalars(select(Post).where(Post.org_id == _finance().id, Post.name == name)).one()


def _with_two_level_finance_chain(make: Callable[[], dict[str, int]]) -> dict[str, int]:
    """Run `make` while finance's approval chain is 经办岗 → 科长岗, then put the chain back.

    A task takes its chain when it is created, so the tasks made keep the two levels.
    """
    finance = _finance()
    before = structure.chain(finance, ApprovalMode.APPROVAL)
    structure.set_chain(finance, ApprovalMode.APPROVAL, [_finance_post("经办岗"), _finance_post("科长岗")])
    db.session.commit()
    try:
        return make()
    finally:
        structure.set_chain(finance, ApprovalMode.APPROVAL, before)
        db.session.commit()


def approve_open() -> Action:
    tasks = new_signoff()
    return _signing("finance", tasks["finance"])


def approve_closing() -> Action:
    department, task_id = _all_but_last(new_signoff())
    return _signing(department, task_id)


def reject_closing() -> Action:
    department, task_id = _all_but_last(new_signoff())
    return _signing(department, task_id, REJECT)


def chain_advance() -> Action:
    tasks = _with_two_level_finance_chain(new_signoff)
    return _signing("finance", tasks["finance"])


def return_level() -> Action:
    tasks = _with_two_level_finance_chain(new_signoff)
    _sign("finance", tasks["finance"])  # the handler passes it on; now the chief holds it
    db.session.commit()
    chief = user("finance_chief")
    return lambda: actions.return_level(chief, tasks["finance"], "请补充资金来源说明。")


def add_signer() -> Action:
    tasks = new_signoff()
    handler, chief = user("finance1"), _finance_post("科长岗").id
    return lambda: actions.add_signer(handler, tasks["finance"], chief)


def countersign_request() -> Action:
    tasks = new_signoff()
    handler, chief = user("finance1"), _finance_post("科长岗").id
    return lambda: countersign.request(handler, tasks["finance"], [chief])


def _requested() -> tuple[int, int]:
    tasks = new_signoff()
    (row,) = countersign.request(user("finance1"), tasks["finance"], [_finance_post("科长岗").id])
    db.session.commit()
    return tasks["finance"], row.id


def countersign_sign() -> Action:
    _task_id, row_id = _requested()
    chief = user("finance_chief")
    return lambda: countersign.sign(chief, row_id, "agree", "同意经办意见。")


def countersigned_complete() -> Action:
    task_id, row_id = _requested()
    countersign.sign(user("finance_chief"), row_id, "agree", "同意经办意见。")
    db.session.commit()
    return _signing("finance", task_id)


PATHS: tuple[CompletionPath, ...] = (
    CompletionPath("approve", "approve, other departments still open", approve_open),
    CompletionPath("approve_closing", "approve as the last department (join, project approved)", approve_closing),
    CompletionPath("reject_closing", "reject (不同意) as the last department (round closes)", reject_closing),
    CompletionPath("chain_advance", "handler approves, the chief's turn (two-level chain)", chain_advance),
    CompletionPath("return_level", "the chief returns it to the handler (退回)", return_level),
    CompletionPath("add_signer", "the handler adds the chief as a signer (加签)", add_signer),
    CompletionPath("countersign_request", "the handler asks the chief to countersign (会签)", countersign_request),
    CompletionPath("countersign_sign", "the chief countersigns", countersign_sign),
    CompletionPath("countersigned_complete", "the handler completes the countersigned step", countersigned_complete),
)


def by_name(name: str) -> CompletionPath:
    return next(p for p in PATHS if p.name == name)
