"""Evidence belongs to its owner: who may add a version to a slot, who may withdraw one, and what is kept."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.files import samples
from tests.helpers import ready_tasks, sign, submit
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.files import services
from zerolegwork.files.errors import EvidenceOnRecordError, EvidenceOwnerError
from zerolegwork.files.models import Attachment

UNIT_SLOT = "feasibility_report"  # no form declares it: the unit's material
REVIEW_SLOT = "review_opinion"  # forms/department_signoff.json: "owner": "reviewer"
EACH_SLOT = "evaluation_report"  # forms/performance_evaluation.json: "owner": "each"


def up(people, username, slot, data=samples.PDF, name="材料.pdf", project=0):
    return services.upload(people["users"][username], people["projects"][project].id, slot, name, io.BytesIO(data))


def current(people, slot, username="unit1"):
    return services.attachments_of(people["users"][username], people["projects"][0].id, slot)


def count():
    return db.session.scalar(select(func.count()).select_from(Attachment))


# who may add a version: unit1 is the project's unit, agency1 is engaged on its first project only,
# finance1 a city department that reviews it
MATRIX = [
    ("unit1", UNIT_SLOT, True),
    ("agency1", UNIT_SLOT, True),
    ("finance1", UNIT_SLOT, False),
    ("ndrc1", UNIT_SLOT, False),
    ("unit1", REVIEW_SLOT, False),
    ("agency1", REVIEW_SLOT, False),
    ("finance1", REVIEW_SLOT, True),
    ("unit1", EACH_SLOT, True),
    ("agency1", EACH_SLOT, True),
    ("ndrc1", EACH_SLOT, True),
]


@pytest.mark.parametrize(("username", "slot", "allowed"), MATRIX)
def test_who_may_add_a_version_to_which_slot(app, people, username, slot, allowed):
    if allowed:
        attachment = up(people, username, slot)
        assert attachment.version == 1 and attachment.org_id == people["users"][username].org_id
    else:
        with pytest.raises(EvidenceOwnerError):
            up(people, username, slot)
        assert count() == 0


def test_the_unit_and_its_engaged_agency_add_versions_of_the_same_material(app, people):
    first = up(people, "unit1", UNIT_SLOT, name="报告v1.pdf")
    second = up(people, "agency1", UNIT_SLOT, samples.OTHER_PDF, name="报告v2.pdf")
    assert (first.version, second.version) == (1, 2)
    assert first.owner_org_id == second.owner_org_id == people["projects"][0].unit_id


def test_an_agency_not_engaged_on_the_project_cannot_add(app, people):
    from zerolegwork.projects.errors import ProjectNotFoundError

    with pytest.raises((EvidenceOwnerError, ProjectNotFoundError)):
        up(people, "agency1", UNIT_SLOT, project=1)
    assert count() == 0


def test_a_reviewing_department_cannot_replace_the_units_evidence(app, client, login, people):
    project = people["projects"][0]
    submit(people, 0)
    unit_version = up(people, "unit1", UNIT_SLOT, name="单位报告.pdf")
    db.session.commit()
    login("finance1")
    resp = client.post(
        f"/files/projects/{project.id}/upload",
        data={
            "slot": UNIT_SLOT,
            "file": (io.BytesIO(samples.OTHER_PDF), "替换.pdf"),
            "next": f"/projects/{project.id}",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 403
    assert "只有项目单位及其委托的中介机构可以上传新版本" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert count() == 1
    assert [a.id for a in current(people, UNIT_SLOT)] == [unit_version.id]
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert [e.detail["reason"] for e in refused][-1] == "EvidenceOwnerError"


def test_a_reviewer_adds_its_own_review_material_kept_apart_per_department(app, people):
    up(people, "unit1", UNIT_SLOT)
    finance = up(people, "finance1", REVIEW_SLOT, name="财政意见.pdf")
    finance2 = up(people, "finance1", REVIEW_SLOT, samples.OTHER_PDF, name="财政意见2.pdf")
    ndrc = up(people, "ndrc1", REVIEW_SLOT, name="发改意见.pdf")
    assert (finance.version, finance2.version, ndrc.version) == (1, 2, 1)
    assert finance.owner_org_id == people["users"]["finance1"].org_id
    assert ndrc.owner_org_id == people["users"]["ndrc1"].org_id
    listed = current(people, REVIEW_SLOT)
    assert {a.id for a in listed} == {finance.id, finance2.id, ndrc.id}


def test_the_unit_cannot_overwrite_the_reviewers_material(app, people):
    mine = up(people, "finance1", REVIEW_SLOT, name="财政意见.pdf")
    with pytest.raises(EvidenceOwnerError) as refused:
        up(people, "unit1", REVIEW_SLOT, samples.OTHER_PDF)
    assert refused.value.reason == "reviewer"
    assert [a.id for a in current(people, REVIEW_SLOT)] == [mine.id]


def test_a_department_and_the_unit_keep_separate_lines_of_a_shared_slot(app, people):
    unit = up(people, "unit1", EACH_SLOT, name="自评报告.pdf")
    ndrc = up(people, "ndrc1", EACH_SLOT, samples.OTHER_PDF, name="重点评价报告.pdf")
    assert unit.version == ndrc.version == 1 and unit.owner_org_id != ndrc.owner_org_id
    assert up(people, "unit1", EACH_SLOT, samples.OTHER_PDF).version == 2  # the unit's line, not ndrc's


def test_log_photos_belong_to_the_entrys_organisation(app, people):
    from zerolegwork.projects import log

    entry = log.add_entry(people["users"]["unit1"], people["projects"][0].id, "2026-01-05", "基础施工")
    up(people, "unit1", log.photo_slot(entry.id), samples.image("PNG"), "日志.png")
    with pytest.raises(EvidenceOwnerError):
        up(people, "agency1", log.photo_slot(entry.id), samples.image("JPEG"), "替换.jpg")


def test_the_required_evidence_is_looked_for_in_the_users_own_line(app, people):
    from zerolegwork.files.slots import Slot

    required = [Slot(EACH_SLOT, {}, required=True)]
    up(people, "unit1", EACH_SLOT)
    ndrc1, unit1, project_id = people["users"]["ndrc1"], people["users"]["unit1"], people["projects"][0].id
    assert services.missing_evidence(unit1, project_id, required) == []
    assert services.missing_evidence(ndrc1, project_id, required) == required  # the unit's file is not ndrc's
    up(people, "ndrc1", EACH_SLOT, samples.OTHER_PDF)
    assert services.missing_evidence(ndrc1, project_id, required) == []


def test_the_uploader_withdraws_its_own_version_and_the_earlier_one_is_current_again(app, client, login, people):
    project = people["projects"][0]
    first = up(people, "unit1", UNIT_SLOT, name="v1.pdf")
    second = up(people, "unit1", UNIT_SLOT, samples.OTHER_PDF, name="v2.pdf")
    db.session.commit()
    login("unit1")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'data-testid="withdraw-{second.id}"' in page and "data-confirm=" in page
    resp = client.post(f"/files/{second.id}/withdraw", data={"next": f"/projects/{project.id}"})
    assert resp.status_code == 303
    db.session.expire_all()
    kept = db.session.get(Attachment, second.id)
    assert kept.withdrawn_at is not None and kept.withdrawn_by_id == people["users"]["unit1"].id
    assert [a.id for a in current(people, UNIT_SLOT)] == [first.id]
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "file.withdraw")).one()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "已撤回" in page and "v2.pdf" in page  # still shown, marked
    third = up(people, "unit1", UNIT_SLOT, samples.OTHER_PDF, name="v3.pdf")
    assert third.version == 3  # a number is never reused


def test_nobody_else_withdraws_a_version(app, client, login, people):
    version = up(people, "unit1", UNIT_SLOT)
    review = up(people, "finance1", REVIEW_SLOT)
    db.session.commit()
    with pytest.raises(EvidenceOwnerError):
        services.withdraw(people["users"]["agency1"], version.id)  # same side, but not the uploader's organisation
    with pytest.raises(EvidenceOwnerError):
        services.withdraw(people["users"]["unit1"], review.id)
    login("ndrc1")
    assert client.post(f"/files/{review.id}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(Attachment, review.id).withdrawn_at is None


def test_a_version_carried_by_a_completed_step_cannot_be_withdrawn(app, people):
    project = people["projects"][0]
    submit(people, 0)
    (task,) = ready_tasks(project.id, "finance")
    finance1 = people["users"]["finance1"]
    review = services.upload(finance1, project.id, REVIEW_SLOT, "意见.pdf", io.BytesIO(samples.PDF), task.id)
    db.session.commit()
    sign(people, project.id, "finance")
    with pytest.raises(EvidenceOnRecordError):
        services.withdraw(finance1, review.id)
    db.session.rollback()
    assert db.session.get(Attachment, review.id).withdrawn_at is None


def test_a_withdrawn_version_cannot_be_withdrawn_twice(app, people):
    version = up(people, "unit1", UNIT_SLOT)
    services.withdraw(people["users"]["unit1"], version.id)
    with pytest.raises(EvidenceOnRecordError):
        services.withdraw(people["users"]["unit1"], version.id)


def test_the_review_page_offers_the_reviewer_its_slot_and_not_the_units(app, client, login, people):
    project = people["projects"][0]
    submit(people, 0)
    up(people, "unit1", UNIT_SLOT)
    db.session.commit()
    (task,) = ready_tasks(project.id, "finance")
    login("finance1")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'data-testid="upload-{REVIEW_SLOT}"' in page
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'data-testid="upload-{UNIT_SLOT}"' not in page


def test_forms_naming_one_slot_must_agree_on_its_owner(tmp_path):
    import json
    import shutil
    from pathlib import Path

    from zerolegwork.engine.catalog import load_catalog

    root = Path(__file__).resolve().parents[2]
    forms = tmp_path / "forms"
    shutil.copytree(root / "forms", forms)
    form = json.loads((forms / "department_check.json").read_text())
    form["evidence"][0]["owner"] = "unit"
    (forms / "department_check.json").write_text(json.dumps(form))
    problems = [str(p) for p in load_catalog(root / "bpmn", forms).problems]
    assert any("evidence.review_opinion" in p and "owner" in p for p in problems), problems


def test_the_units_version_is_on_record_once_submitted(app, client, login, people):
    project = people["projects"][0]
    version = up(people, "unit1", UNIT_SLOT)
    db.session.commit()
    submit(people, 0)  # the material reached the departments
    login("unit1")
    assert f'data-testid="withdraw-{version.id}"' not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    resp = client.post(f"/files/{version.id}/withdraw")
    assert resp.status_code == 409 and "已进入下一环节" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attachment, version.id).withdrawn_at is None


def test_the_reviewer_withdraws_its_own_material_while_its_task_is_open(app, people):
    project = people["projects"][0]
    submit(people, 0)
    (task,) = ready_tasks(project.id, "finance")
    finance1 = people["users"]["finance1"]
    review = services.upload(finance1, project.id, REVIEW_SLOT, "意见.pdf", io.BytesIO(samples.PDF), task.id)
    assert services.withdraw(finance1, review.id).withdrawn_at is not None
