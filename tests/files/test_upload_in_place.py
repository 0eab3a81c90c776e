"""Uploading in place: a page's script sends evidence and withdrawals asking for JSON and stays on the page;
a slot takes only the files its form declares (site photos only pictures), whoever builds the request."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.files import samples
from zerolegwork.extensions import db
from zerolegwork.files import services
from zerolegwork.files.errors import FileTypeError
from zerolegwork.files.models import Attachment

JSON = {"Accept": "application/json"}


def post(client, project_id, data, name, slot="feasibility_report", headers=JSON):
    return client.post(
        f"/files/projects/{project_id}/upload",
        data={"slot": slot, "file": (io.BytesIO(data), name), "next": f"/projects/{project_id}"},
        content_type="multipart/form-data",
        headers=headers,
    )


def count():
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_an_upload_asking_for_json_answers_json_and_no_redirect(app, client, login, people):
    project = people["projects"][0]
    login("unit1")
    resp = post(client, project.id, samples.PDF, "可行性研究报告.pdf")
    assert resp.status_code == 200 and resp.is_json
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert resp.json == {"ok": True, "message": "已上传。", "attachments": [attachment.id]}


def test_a_refused_upload_asking_for_json_says_why_in_chinese_and_stores_nothing(app, client, login, people):
    login("unit1")
    resp = post(client, people["projects"][0].id, samples.HTML, "页面.html")
    assert resp.status_code in (400, 415) and resp.is_json
    assert resp.json["error"] and not resp.json["error"].isascii()
    assert count() == 0


def test_an_upload_without_a_file_asking_for_json_is_refused_as_json(app, client, login, people):
    login("unit1")
    resp = client.post(
        f"/files/projects/{people['projects'][0].id}/upload",
        data={"slot": "feasibility_report", "next": "/"},
        headers=JSON,
    )
    assert resp.status_code == 422 and resp.is_json and resp.json["error"]


def test_the_page_form_without_script_still_redirects_back(app, client, login, people):
    project = people["projects"][0]
    login("unit1")
    resp = post(client, project.id, samples.PDF, "报告.pdf", headers={"Accept": "text/html"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/projects/{project.id}")


def test_a_withdrawal_asking_for_json_answers_json(app, client, login, people):
    project = people["projects"][0]
    login("unit1")
    attachment_id = post(client, project.id, samples.PDF, "报告.pdf").json["attachments"][0]
    resp = client.post(f"/files/{attachment_id}/withdraw", headers=JSON)
    assert resp.status_code == 200 and resp.json["ok"] is True
    assert db.session.get(Attachment, attachment_id).withdrawn_at is not None


def test_site_photos_take_pictures_only(app, people):
    unit = people["users"]["unit1"]
    project_id = people["projects"][0].id
    with pytest.raises(FileTypeError):
        services.upload(unit, project_id, "site_photo", "依据.pdf", io.BytesIO(samples.PDF))
    assert count() == 0
    photo = services.upload(unit, project_id, "site_photo", "现场.png", io.BytesIO(samples.image("PNG")))
    assert photo.content_type == "image/png"


def test_a_hand_made_request_cannot_put_a_pdf_among_the_site_photos(app, client, login, people):
    login("unit1")
    resp = post(client, people["projects"][0].id, samples.PDF, "依据.pdf", slot="site_photo")
    assert resp.status_code in (400, 415) and "jpg" in resp.json["error"]
    assert count() == 0
