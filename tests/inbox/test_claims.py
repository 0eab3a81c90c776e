"""Claiming a task: one conditional UPDATE decides, the holder is named, only the holder acts on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers import ready_tasks, run_together
from tests.inbox.conftest import finance_post, statements
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.errors import TaskNotFoundError, TaskNotReadyError
from zerolegwork.engine.models import HumanTask
from zerolegwork.engine.routing import today_local
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox
from zerolegwork.inbox.errors import TaskClaimedError
from zerolegwork.orgs import structure
from zerolegwork.orgs.models import ApprovalMode, Organisation, Substitution, User

ANSWER = {"decision": "approve", "opinion": "同意"}


@pytest.fixture
def colleagues(people: dict[str, Any]) -> tuple[User, User]:
    """finance1 and finance_chief, both holding 市财政局's 经办岗."""
    users = people["users"]
    structure.assign(finance_post("经办岗"), users["finance_chief"])
    db.session.commit()
    return users["finance1"], users["finance_chief"]


def holder_of(task_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(HumanTask, task_id).claimed_by_id


def test_a_reviewer_claims_a_ready_task_at_their_post(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    task = finance_tasks[0]
    with statements() as seen:
        inbox.claim(finance1, task.id)
    db.session.commit()
    updates = [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and "claimed_by_id IS NULL" in updates[0]
    db.session.refresh(task)
    assert task.claimed_by_id == finance1.id and task.claimed_at is not None
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.claim")).one()
    assert audit.object_id == str(task.id) and audit.actor_id == finance1.id


def test_claiming_a_task_a_colleague_holds_names_the_colleague(any_app, people, finance_tasks, colleagues):
    finance1, chief = colleagues
    task_id = finance_tasks[0].id
    inbox.claim(finance1, task_id)
    db.session.commit()
    with pytest.raises(TaskClaimedError) as caught:
        inbox.claim(chief, task_id)
    db.session.rollback()
    assert caught.value.holder_id == finance1.id and caught.value.holder_name == finance1.display_name
    assert caught.value.message() == f"该任务已由 {finance1.display_name} 认领。"
    assert holder_of(task_id) == finance1.id


def test_claiming_a_task_one_already_holds_changes_nothing(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    task_id = finance_tasks[0].id
    inbox.claim(finance1, task_id)
    db.session.commit()
    inbox.claim(finance1, task_id)
    db.session.commit()
    assert holder_of(task_id) == finance1.id


def test_a_task_at_another_post_or_department_cannot_be_claimed(any_app, people, finance_tasks):
    users = people["users"]
    for username in ("finance_chief", "finance_admin", "ndrc1", "unit1"):
        with pytest.raises(TaskNotFoundError):
            inbox.claim(users[username], finance_tasks[0].id)
        db.session.rollback()
    with pytest.raises(TaskNotFoundError):
        inbox.claim(users["finance1"], 987654)
    db.session.rollback()
    assert holder_of(finance_tasks[0].id) is None


def test_a_handled_task_cannot_be_claimed(any_app, people, finance_tasks):
    finance1 = people["users"]["finance1"]
    inbox.complete(finance1, finance_tasks[0].id, ANSWER)
    db.session.commit()
    with pytest.raises(TaskNotReadyError):
        inbox.claim(finance1, finance_tasks[0].id)
    db.session.rollback()


def test_only_the_holder_releases_a_claim(any_app, people, finance_tasks, colleagues):
    finance1, chief = colleagues
    task_id = finance_tasks[0].id
    inbox.claim(finance1, task_id)
    db.session.commit()
    with pytest.raises(TaskClaimedError):
        inbox.release(chief, task_id)
    db.session.rollback()
    for username in ("ndrc1", "finance_admin"):
        with pytest.raises(TaskNotFoundError):
            inbox.release(people["users"][username], task_id)
        db.session.rollback()
    assert holder_of(task_id) == finance1.id
    inbox.release(finance1, task_id)
    db.session.commit()
    assert holder_of(task_id) is None
    inbox.release(finance1, task_id)  # nothing left to give back: harmless
    inbox.claim(chief, task_id)
    db.session.commit()
    assert holder_of(task_id) == chief.id


def test_completing_a_task_claimed_by_someone_else_is_refused(any_app, people, finance_tasks, colleagues):
    finance1, chief = colleagues
    task_id = finance_tasks[0].id
    inbox.claim(chief, task_id)
    db.session.commit()
    with pytest.raises(TaskClaimedError) as caught:
        inbox.complete(finance1, task_id, ANSWER)
    db.session.rollback()
    assert caught.value.holder_name == chief.display_name
    assert db.session.get(HumanTask, task_id).state == "ready"
    inbox.complete(chief, task_id, ANSWER)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).completed_by_id == chief.id


def test_an_unclaimed_task_is_completed_by_anyone_at_its_post(any_app, people, finance_tasks, colleagues):
    _finance1, chief = colleagues
    inbox.complete(chief, finance_tasks[0].id, ANSWER)
    db.session.commit()
    assert ready_tasks(people["projects"][0].id, "finance") == []


def test_the_holders_substitute_may_release_and_complete_the_claimed_task(any_app, people, finance_tasks, colleagues):
    finance1, chief = colleagues
    task_id = finance_tasks[0].id
    inbox.claim(finance1, task_id)
    today = today_local()
    db.session.add(Substitution(user_id=finance1.id, substitute_id=chief.id, starts_on=today, ends_on=today))
    db.session.commit()
    inbox.complete(chief, task_id, ANSWER)  # finance1 is away today; chief acts for them
    db.session.commit()
    inbox.claim(finance1, finance_tasks[1].id)
    db.session.commit()
    inbox.release(chief, finance_tasks[1].id)
    db.session.commit()
    assert holder_of(finance_tasks[1].id) is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.release")).one()
    assert event.actor_id == chief.id and event.on_behalf_of_id == finance1.id


def test_the_claim_ends_when_the_task_moves_on_to_the_next_level(any_app, people):
    from tests.helpers import submit

    users = people["users"]
    finance = db.session.scalars(select(Organisation).where(Organisation.code == "finance")).one()
    structure.set_chain(finance, ApprovalMode.APPROVAL, [finance_post("经办岗"), finance_post("科长岗")])
    db.session.commit()
    project = submit(people)
    (task,) = ready_tasks(project.id, "finance")
    inbox.claim(users["finance1"], task.id)
    db.session.commit()
    inbox.complete(users["finance1"], task.id, {"decision": "approve", "opinion": "经办：同意"})
    db.session.commit()
    db.session.expire_all()
    task = db.session.get(HumanTask, task.id)
    assert task.state == "ready" and task.post_id == finance_post("科长岗").id and task.claimed_by_id is None
    inbox.complete(users["finance_chief"], task.id, {"decision": "approve", "opinion": "科长：同意"})
    db.session.commit()


def test_the_task_page_says_who_holds_the_claim(any_app, people, finance_tasks, colleagues):
    finance1, chief = colleagues
    inbox.claim(finance1, finance_tasks[0].id)
    db.session.commit()
    theirs = inbox.task_page(chief, finance_tasks[0].id)
    assert theirs.claimed_by_name == finance1.display_name and theirs.claimed_by_other and not theirs.may_release
    mine = inbox.task_page(finance1, finance_tasks[0].id)
    assert not mine.claimed_by_other and mine.may_release
    free = inbox.task_page(chief, finance_tasks[1].id)
    assert free.claimed_by_name == "" and not free.claimed_by_other


def claimer(user_id: int, task_id: int) -> Callable[[], int]:
    def fn() -> int:
        inbox.claim(db.session.get(User, user_id), task_id)
        return user_id

    return fn


def test_two_reviewers_claiming_one_task_at_once_one_wins_the_other_is_told_who_holds_it(
    pg_app, people, finance_tasks, colleagues
):
    names = {u.id: u.display_name for u in colleagues}
    task_id = finance_tasks[0].id
    winners = set()
    for rep in range(10):
        results = run_together(pg_app, *(claimer(uid, task_id) for uid in names))
        won = [r for r in results if isinstance(r, int)]
        lost = [r for r in results if not isinstance(r, int)]
        assert len(won) == 1 and len(lost) == 1, (rep, results)
        assert isinstance(lost[0], TaskClaimedError), (rep, results)
        assert lost[0].holder_id == won[0] and lost[0].holder_name == names[won[0]]
        assert holder_of(task_id) == won[0]
        winners.add(won[0])
        inbox.release(db.session.get(User, won[0]), task_id)
        db.session.commit()
    claims = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.claim")).all()
    assert len(claims) == 10


def test_claimed_at_is_the_time_of_the_claim(any_app, people, finance_tasks):
    from zerolegwork.db import utcnow

    before = utcnow()
    inbox.claim(people["users"]["finance1"], finance_tasks[0].id)
    db.session.commit()
    claimed_at = db.session.get(HumanTask, finance_tasks[0].id).claimed_at
    assert before - timedelta(seconds=1) <= claimed_at <= utcnow()
