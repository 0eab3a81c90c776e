"""A completion costs the same however long the instance has run: the live state stays bounded (issue 17).

Sizes and statement counts, never times (bench/growth.py measures the times). The project is the
benchmark's realistic one (bench/growth.py project_steps): the sign-off returned three times, all
eight processes, monthly progress reports with returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, func, select

from bench.growth import Step, periods_for, project_steps
from tests.engine import lifecycle_support
from tests.engine.lifecycle_support import ALL_FUNCTIONS, USERS, attach_evidence, ready, start
from zerolegwork.engine import runtime, steps, view
from zerolegwork.engine.models import InstanceArchive, ProcessInstance
from zerolegwork.engine.state import dump_state
from zerolegwork.extensions import db
from zerolegwork.inbox import services as inbox

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path

# one department's decision that creates the next task (check_progress): the claim read, BEGIN
# IMMEDIATE (SQLite), lock-and-read, the save UPDATE, the task UPDATE, the next task's INSERT (the unit's
# own report: no chain of posts to read, no statutory clock), the outbox INSERT, one INSERT of the audit
# events; the same at 50 steps and at 200
CHECK_STATEMENTS = 9
STATE_BOUND = 60_000  # bytes of live state of the lifecycle at any point of construction


class Project:
    """Drive the lifecycle through the realistic project, one completion (and one commit) at a time."""

    def __init__(self, people: dict[str, Any], steps_wanted: int) -> None:
        self.people = people
        self.iid = start(people, "lifecycle", ALL_FUNCTIONS).instance_id
        self.steps: Iterator[Step] = project_steps(periods_for(steps_wanted))
        self.done = 0
        self.statements: list[str] = []

    def next_step(self) -> Step:
        return next(self.steps)

    def complete(self, s: Step) -> int:
        """Complete the step; return how many statements the completion and its commit ran."""
        found = [
            t
            for t in ready(self.iid, s.bpmn_id)
            if all(runtime.task_context(t).get(k) == v for k, v in s.match.items())
        ]
        assert len(found) == 1, (s, found)
        task = found[0]
        user = self.people["users"][USERS[task.org_code]]
        attach_evidence(user, task)
        db.session.commit()
        user = db.session.get(type(user), user.id)
        self.statements.clear()
        event.listen(db.engine, "before_cursor_execute", self._count)
        try:
            inbox.complete(user, task.id, dict(s.answers))
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", self._count)
        self.done += 1
        return len(self.statements)

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def run_to(self, n: int) -> Step:
        """Complete steps until `n` are done and the next is a confirming check_progress; return that next step."""
        while True:
            s = self.next_step()
            if self.done >= n and s.bpmn_id == "check_progress" and s.answers.get("decision") == "confirm":
                return s
            self.complete(s)

    def finish(self, pending: Step | None = None) -> Any:
        if pending is not None:
            self.complete(pending)
        for s in self.steps:
            self.complete(s)
        return db.session.get(ProcessInstance, self.iid)


def state_bytes(iid: int) -> int:
    db.session.expire_all()
    return len(db.session.scalar(select(ProcessInstance.state).where(ProcessInstance.id == iid)).encode())


def test_a_completion_costs_the_same_statements_and_the_state_stays_bounded(app, people):
    project = Project(people, 200)
    s = project.run_to(50)
    at_50 = state_bytes(project.iid)
    assert project.complete(s) == CHECK_STATEMENTS
    s = project.run_to(200)
    at_200 = state_bytes(project.iid)
    assert project.complete(s) == CHECK_STATEMENTS
    # 150 more completions (60 more progress periods, returns among them) add nothing to the live state
    assert at_200 <= STATE_BOUND and at_50 <= STATE_BOUND
    assert at_200 - at_50 <= 2_000, (at_50, at_200)
    # the finished called processes left the live state once each, and are kept
    archived = db.session.scalars(select(InstanceArchive.process_id).where(InstanceArchive.instance_id == project.iid))
    assert {"information", "investment", "joint_signoff", "procedures", "procurement", "contracts"} <= set(archived)
    # the project page still shows where the lifecycle stands
    positions = view.positions(project.iid)
    assert positions["call_investment"] == "done" and positions["call_progress"] == "active"
    assert [t.bpmn_id for t in ready(project.iid)] == ["report_progress"]  # the next month's report is due


def test_the_first_signoff_review_runs_seven_statements(app, people):
    project = Project(people, 4)
    for _ in range(4):
        project.complete(project.next_step())
    s = project.next_step()
    assert s.bpmn_id == "department_review"
    assert project.complete(s) == 7


def test_a_task_page_of_an_archived_called_process_shows_its_diagram(app, people):
    project = Project(people, 40)
    project.run_to(40)
    from zerolegwork.engine.models import HumanTask

    review = db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == project.iid, HumanTask.bpmn_id == "check_information")
    ).one()
    diagram = view.task_diagram(review)
    assert diagram["process"] == "information" and diagram["positions"]["check_information"] == "done"
    assert 'id="information"' in diagram["xml"]


def test_compact_migrates_an_instance_of_200_steps_without_loss(app, people, monkeypatch):
    # an instance written before live state was bounded: every task kept, finished called processes inside
    monkeypatch.setattr(steps, "dump_live", lambda workflow: (dump_state(workflow), []))
    project = Project(people, 200)
    pending = project.run_to(200)
    assert project.done >= 200
    monkeypatch.undo()
    iid = project.iid
    legacy = db.session.get(ProcessInstance, iid)
    legacy_state, legacy_version = legacy.state, legacy.version
    assert len(legacy_state) > 500_000 and db.session.scalar(select(func.count()).select_from(InstanceArchive)) == 0
    before_ready = {t.task_guid: runtime.task_context(t) for t in ready(iid)}
    before_data, before_positions = runtime.instance_data(iid), view.positions(iid)

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["zlw", "engine", "compact", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"instance {iid} (lifecycle, running): {len(legacy_state.encode()):,} -> " in dry.output
    assert "dry run: nothing changed" in dry.output
    db.session.expire_all()
    again = db.session.get(ProcessInstance, iid)
    assert again.state == legacy_state and again.version == legacy_version
    assert db.session.scalar(select(func.count()).select_from(InstanceArchive)) == 0

    out = runner.invoke(args=["zlw", "engine", "compact"])
    assert out.exit_code == 0, out.output
    db.session.expire_all()
    compacted = db.session.get(ProcessInstance, iid)
    assert len(compacted.state) <= STATE_BOUND < len(legacy_state)
    assert compacted.status == "running"
    archived = json.loads(
        db.session.scalar(
            select(InstanceArchive.state).where(
                InstanceArchive.instance_id == iid, InstanceArchive.process_id == "joint_signoff"
            )
        )
    )
    assert archived["completed"] is True and archived["tasks"]
    # nothing a later step reads is lost: the same tasks wait with the same data, the same data, the same page
    assert {t.task_guid: runtime.task_context(t) for t in ready(iid)} == before_ready
    assert runtime.instance_data(iid) == before_data
    assert view.positions(iid) == before_positions
    # a second run finds nothing more to do
    second = runner.invoke(args=["zlw", "engine", "compact"])
    assert f"instance {iid} (lifecycle, running): {len(compacted.state.encode()):,} -> " in second.output
    db.session.expire_all()
    assert db.session.get(ProcessInstance, iid).state == compacted.state

    # and the project goes on to the end of its life
    end = project.finish(pending)
    assert end.status == "completed"
    data = runtime.instance_data(iid)
    assert data["lifecycle_stage"] == "completed" and data["investment_approved"] is True
    assert data["progress_reports"][-1]["construction_complete"] is True
