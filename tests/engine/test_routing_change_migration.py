"""The analyst's whole change, as issue 14 accepts it, below the browser: a department is added to the
routing table; the impact list shows the running lifecycle is not touched yet (it has not reached the
sign-off); the draft is deployed with a note; the safe matter is moved; its sign-off then includes the
new department."""

from __future__ import annotations

from sqlalchemy import select

from tests.engine import lifecycle_support as ls
from tests.engine.lifecycle_support import app  # noqa: F401  (the fixture: uploads under tmp_path)
from zerolegwork.engine.migrate import migrate_instances
from zerolegwork.engine.models import ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.processes import drafts

DMN = "signoff_departments.dmn"
RULE = '<text>? in ("工业", "信息化")</text>'
WIDER = '<text>? in ("工业", "信息化", "市政道路")</text>'


def live(process_id: str) -> ProcessDefinition:
    return db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
    ).first()


def test_a_department_added_to_the_routing_table_joins_the_moved_matters_sign_off(app, people):  # noqa: F811
    started = ls.start(people, "lifecycle")
    before = live("lifecycle")
    table = before.bundle["dmn"][DMN]
    assert table.count(RULE) == 1
    files = {DMN: table.replace(RULE, WIDER)}
    check = drafts.check_draft("lifecycle", files, people["users"]["analyst"])
    assert check.good and check.diff is not None and check.diff.decisions
    assert check.running == {before.version: 1} and check.impact == []  # not at the sign-off yet: safe
    _check, report = drafts.deploy_draft("lifecycle", files, "市政道路项目增加经信局会签", people["users"]["analyst"])
    db.session.commit()
    assert {"lifecycle", "joint_signoff"} <= set(report.deployed)
    after = live("lifecycle")
    assert after.version == before.version + 1 and after.note == "市政道路项目增加经信局会签"
    (outcome,) = migrate_instances([started.instance_id], after.id, people["users"]["analyst"].id)
    db.session.commit()
    assert outcome.moved, outcome.reasons
    assert db.session.get(ProcessInstance, started.instance_id).definition_id == after.id
    ls.act(people, started.instance_id, "record_information", ls.INFORMATION)
    ls.act(people, started.instance_id, "check_information", ls.CONFIRM)
    ls.act(people, started.instance_id, "record_investment", ls.investment_plan())
    ls.act(people, started.instance_id, "check_investment", ls.CONFIRM)
    reviews = {t.org_code: t for t in ls.ready(started.instance_id, "department_review")}
    assert set(reviews) == {*ls.SIGNOFF_DEPARTMENTS, "economy_it"}
    assert reviews["economy_it"].mode == "verification"  # the new rule's mode (核准)
