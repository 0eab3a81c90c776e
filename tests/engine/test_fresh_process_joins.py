"""A joint sign-off finishes in a process that did not start it (another web worker, a restart, an rq worker).

SpiffWorkflow connects a multi-instance task to its children's completion only in the process that
created the children; a process with a freshly built spec restored them unconnected and the join never
fired after the last department signed. The spec cache is emptied between the departments' sign-offs
to stand for that other process.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import ready_tasks, sign, submit
from zerolegwork.engine import specs
from zerolegwork.engine.models import InstanceState, ProcessInstance
from zerolegwork.extensions import db


def test_the_last_department_signing_in_a_fresh_process_closes_the_round(any_app, people):
    project = submit(people, 0)
    departments = sorted(t.org_code for t in ready_tasks(project.id))
    for dept in departments[:-1]:
        sign(people, project.id, dept, "approve")
    specs.drop_spec_cache()
    sign(people, project.id, departments[-1], "approve")
    db.session.expire_all()
    instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.project_id == project.id)).one()
    assert instance.status == InstanceState.COMPLETED


def test_a_rejection_in_a_fresh_process_returns_the_matter_to_the_unit(any_app, people):
    project = submit(people, 0)
    departments = sorted(t.org_code for t in ready_tasks(project.id))
    specs.drop_spec_cache()
    for dept in departments:
        sign(people, project.id, dept, "reject" if dept == departments[0] else "approve")
        specs.drop_spec_cache()
    (revision,) = ready_tasks(project.id, "demo_unit")
    assert revision.bpmn_id == "revise_application"
