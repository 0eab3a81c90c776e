"""Versions everywhere (issue 14 item 6): the project page, the task page and the project report PDF name
the process version a project runs, and a project moved to nothing new keeps naming its own version."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers import ready_tasks, submit
from tests.reports.pdf_support import pdf_text
from zerolegwork.engine.models import ProcessDefinition
from zerolegwork.extensions import db
from zerolegwork.reports.pdf import services as pdf


def joint_version() -> int:
    return db.session.scalars(
        select(ProcessDefinition.version)
        .where(ProcessDefinition.process_id == "joint_signoff")
        .order_by(ProcessDefinition.version.desc())
    ).first()


def test_project_page_task_page_and_pdf_name_the_version(client, login, people):
    project = submit(people, 0)
    label = f"部门并联会签 v{joint_version()}"
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="process-version"' in page and label in page
    login("finance1")
    (task,) = ready_tasks(project.id, "finance")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"流程版本：{label}" in page
    text = "".join(pdf_text(pdf.project_report(people["users"]["unit1"], project.id)).split())
    assert f"流程版本：{label.replace(' ', '')}" in text


def test_a_running_matter_names_its_own_version_after_a_new_one_is_deployed(client, login, people):
    project = submit(people, 0)
    old = joint_version()
    live = db.session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == "joint_signoff", ProcessDefinition.version == old
        )
    ).first()
    bundle = dict(live.bundle)
    bundle["bpmn"] = {k: v.replace('name="部门审查"', 'name="部门联合审查"') for k, v in live.bundle["bpmn"].items()}
    db.session.add(ProcessDefinition(process_id="joint_signoff", version=old + 1, sha256="f" * 64, bundle=bundle))
    db.session.commit()
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"部门并联会签 v{old}" in page and f"v{old + 1}" not in page.split('data-testid="process-version"')[1][:200]
