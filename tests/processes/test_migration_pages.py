"""Migration from the browser's pages: a dry run says who would move and why the others stay and changes
nothing; the real run moves the safe matter only, one audit event each; the progress answers as JSON;
only analysts reach it; the command line does the same."""

from __future__ import annotations

import copy
import hashlib
import json

from sqlalchemy import func, select

from tests.helpers import ready_tasks, sign, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.engine.models import ProcessDefinition, ProcessInstance
from zerolegwork.extensions import db
from zerolegwork.processes.models import MigrationBatch

FILE = "joint_signoff.bpmn"


def renamed_revision() -> ProcessDefinition:
    live = db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == "joint_signoff")
        .order_by(ProcessDefinition.version.desc())
    ).first()
    bundle = copy.deepcopy(live.bundle)
    bundle["bpmn"][FILE] = bundle["bpmn"][FILE].replace('name="处理退回意见"', 'name="处理会签退回意见"')
    sha = hashlib.sha256(json.dumps(bundle, sort_keys=True).encode()).hexdigest()
    target = ProcessDefinition(process_id="joint_signoff", version=live.version + 1, sha256=sha, bundle=bundle)
    db.session.add(target)
    db.session.commit()
    return target


def two_matters(people) -> tuple[int, int]:
    """One waits at the departments' review, one was returned to the unit."""
    waiting = submit(people, 0).id
    returned = submit(people, 1).id
    for dept in sorted(t.org_code for t in ready_tasks(returned)):
        sign(people, returned, dept, "reject" if dept == "finance" else "approve")
    return waiting, returned


def definition_of(project_id: int) -> int:
    db.session.expire_all()
    return db.session.scalars(
        select(ProcessInstance.definition_id).where(ProcessInstance.project_id == project_id)
    ).first()


def test_a_dry_run_then_a_real_run_move_only_the_safe_matter(client, login, people):
    waiting, returned = two_matters(people)
    old = definition_of(waiting)
    target = renamed_revision()
    login("analyst")
    page = client.get(f"/processes/joint_signoff/v{target.version}").get_data(as_text=True)
    assert 'data-testid="migrate-form"' in page and "2 件办理中" in page
    response = client.post(
        f"/processes/joint_signoff/v{target.version}/migrate", data={"source": str(old), "dry_run": "1"}
    )
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    assert "已处理 2 / 2：迁移 1 件，保留原版本 1 件" in page
    assert "可迁移" in page and "停在变更的环节：处理退回意见" in page
    assert definition_of(waiting) == old  # a dry run changes nothing
    response = client.post(f"/processes/joint_signoff/v{target.version}/migrate", data={"source": str(old)})
    status = client.get(response.headers["Location"] + "/status", headers={"Accept": "application/json"}).get_json()
    assert status == {"state": "done", "done": 2, "total": 2, "moved": 1, "refused": 1}
    assert definition_of(waiting) == target.id and definition_of(returned) == old
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "instance.migrate")).all()
    assert len(events) == 1 and events[0].actor_id == people["users"]["analyst"].id
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "process.migration_requested")) == 2


def test_a_migration_without_a_source_or_running_matters_is_refused_in_chinese(client, login, people):
    target = renamed_revision()
    login("analyst")
    response = client.post(f"/processes/joint_signoff/v{target.version}/migrate", data={}, follow_redirects=True)
    assert "请至少选择该流程的另一个版本" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MigrationBatch)) == 0


def test_only_analysts_reach_migrations(client, login, people):
    waiting, _returned = two_matters(people)
    target = renamed_revision()
    login("analyst")
    client.post(f"/processes/joint_signoff/v{target.version}/migrate", data={"source": str(definition_of(waiting))})
    batch = db.session.scalars(select(MigrationBatch)).one()
    login("finance1")
    assert client.get(f"/processes/migrations/{batch.id}").status_code == 404
    assert client.get(f"/processes/migrations/{batch.id}/status").status_code == 404
    assert client.post(f"/processes/joint_signoff/v{target.version}/migrate", data={}).status_code == 404


def test_the_migrate_command_moves_the_safe_matter(app, people):
    waiting, returned = two_matters(people)
    old = definition_of(waiting)
    target = renamed_revision()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["zlw", "engine", "migrate", "joint_signoff", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would move" in dry.output and "waiting at a changed step: 处理退回意见" in dry.output
    assert definition_of(waiting) == old
    done = runner.invoke(args=["zlw", "engine", "migrate", "joint_signoff", "--to", str(target.version)])
    assert done.exit_code == 0, done.output
    assert f"1 moved to v{target.version}, 1 stay" in done.output
    assert definition_of(waiting) == target.id and definition_of(returned) == old
