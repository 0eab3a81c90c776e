"""The evidence partial a form's page includes, and the slots a form names."""

from __future__ import annotations

import io

import pytest
from flask import render_template_string

from tests.files import samples
from zerolegwork.extensions import db
from zerolegwork.files import services
from zerolegwork.files.slots import Slot, slots_of

FORM = {
    "evidence": [
        {
            "slot": "feasibility_report",
            "label": {"zh_CN": "可行性研究报告", "en": "Feasibility study"},
            "extensions": ["pdf", "docx"],
            "required": True,
        },
        {
            "slot": "site_photo",
            "label": {"zh_CN": "现场照片", "en": "Site photo"},
            "extensions": ["jpg", "jpeg", "png"],
        },
        "other_material",
    ]
}
PARTIAL = (
    '{% from "files/_evidence.html" import evidence %}{{ evidence(project, slots, attachments, task_id, rights) }}'
)


def test_a_form_names_its_evidence_slots():
    report, photo, other = slots_of(FORM)
    assert (report.key, report.required, report.photo) == ("feasibility_report", True, False)
    assert report.accept.startswith(".pdf,.docx,application/pdf")
    assert photo.photo and not photo.required and photo.title("en") == "Site photo"
    assert other.title("zh_CN") == "other_material" and "pdf" in other.extensions
    assert slots_of({"evidence": []}) == []


@pytest.mark.parametrize(
    "entry", [{"slot": "Bad Key"}, {"slot": "x", "extensions": ["exe"]}, "../x"], ids=["key", "extension", "path"]
)
def test_a_badly_named_slot_is_refused(entry):
    with pytest.raises(ValueError):
        slots_of({"evidence": [entry]})


def render(app, people, user, task_id=None):
    from flask_login import login_user

    from zerolegwork.files.owners import rights_of

    project = people["projects"][0]
    with app.test_request_context("/"):
        login_user(user)
        attachments = services.attachments_of(user, project.id, withdrawn=True)
        return render_template_string(
            PARTIAL,
            project=project,
            slots=slots_of(FORM),
            attachments=attachments,
            task_id=task_id,
            rights=rights_of(user, project, slots_of(FORM), attachments),
        )


def test_the_partial_lists_versions_and_offers_the_camera_for_photo_slots(app, people):
    unit1 = people["users"]["unit1"]
    project_id = people["projects"][0].id
    services.upload(unit1, project_id, "feasibility_report", "报告v1.pdf", io.BytesIO(samples.PDF))
    services.upload(unit1, project_id, "feasibility_report", "报告v2.pdf", io.BytesIO(samples.OTHER_PDF))
    photo = services.upload(unit1, project_id, "site_photo", "现场.png", io.BytesIO(samples.image("PNG")))
    db.session.commit()
    html = render(app, people, unit1, task_id=7)
    assert html.index("报告v2.pdf") < html.index("报告v1.pdf")
    assert "第 2 版" in html and "第 1 版" in html and "项目单位 经办人" in html
    assert f'<img src="/files/{photo.id}/preview"' in html
    assert 'accept="image/*" capture="environment"' in html
    assert html.count('capture="environment"') == 1  # only the photo slot
    assert 'accept=".pdf,.docx,' in html
    assert 'name="csrf_token"' in html and 'name="task_id" value="7"' in html
    assert 'name="next" value="/tasks/7"' in html
    assert html.count("尚未上传") == 1  # other_material
    assert "必传" in html


def test_the_partial_shows_local_time_and_nothing_when_a_form_asks_for_no_evidence(app, people):
    from zerolegwork.i18n import local_time

    unit1 = people["users"]["unit1"]
    attachment = services.upload(unit1, people["projects"][0].id, "other_material", "a.pdf", io.BytesIO(samples.PDF))
    db.session.commit()
    assert local_time(attachment.created_at) in render(app, people, unit1)
    project = people["projects"][0]
    with app.test_request_context("/"):
        empty = render_template_string(PARTIAL, project=project, slots=[], attachments=[], task_id=None, rights=None)
    assert empty.strip() == ""
    assert isinstance(slots_of(FORM)[0], Slot)


def test_the_required_slots_without_a_file_are_missing(app, people):
    unit1, project_id = people["users"]["unit1"], people["projects"][0].id
    assert [s.key for s in services.missing_evidence(unit1, project_id, slots_of(FORM))] == ["feasibility_report"]
    services.upload(unit1, project_id, "feasibility_report", "报告.pdf", io.BytesIO(samples.PDF))
    assert services.missing_evidence(unit1, project_id, slots_of(FORM)) == []
