"""Serving evidence: only after the permission check, as downloads, previews only for images and PDFs."""

from __future__ import annotations

import io

from sqlalchemy import select

from tests.files import samples
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.files import services


def attach(people, content=samples.PDF, name="可行性研究报告.pdf", slot="feasibility_report"):
    attachment = services.upload(people["users"]["unit1"], people["projects"][0].id, slot, name, io.BytesIO(content))
    db.session.commit()
    return attachment


def test_a_download_is_an_attachment_that_is_never_run_as_a_page(app, client, login, people):
    attachment = attach(people)
    login("unit1")
    resp = client.get(f"/files/{attachment.id}/download")
    assert resp.status_code == 200 and resp.data == samples.PDF
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%8F%AF" in resp.headers["Content-Disposition"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Security-Policy"] == "sandbox"
    assert resp.headers["Content-Length"] == str(len(samples.PDF))
    assert "private" in resp.headers["Cache-Control"]
    resp.close()
    again = client.get(f"/files/{attachment.id}/download", headers={"If-None-Match": f'"{attachment.sha256}"'})
    assert again.status_code == 304
    again.close()


def test_pdfs_and_images_are_previewed_inline_other_files_are_downloaded(app, client, login, people):
    pdf = attach(people)
    photo = attach(people, samples.image("JPEG"), "现场.jpg", "site_photo")
    sheet = attach(people, samples.office("xlsx"), "预算.xlsx", "budget")
    login("finance1")
    for attachment, content_type in [(pdf, "application/pdf"), (photo, "image/jpeg")]:
        resp = client.get(f"/files/{attachment.id}/preview")
        assert resp.status_code == 200 and resp.headers["Content-Type"] == content_type
        assert resp.headers["Content-Disposition"].startswith("inline;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Security-Policy"] == "sandbox"
        resp.close()
    resp = client.get(f"/files/{sheet.id}/preview")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/files/{sheet.id}/download")


def test_another_unit_cannot_download_or_preview_and_the_refusal_is_recorded(app, client, login, people, other_unit):
    attachment = attach(people)
    login("other_unit")
    for url in (f"/files/{attachment.id}/download", f"/files/{attachment.id}/preview", "/files/99999/download"):
        resp = client.get(url)
        assert resp.status_code == 404 and "文件不存在，或您无权查看" in resp.get_data(as_text=True)
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert [e.detail["reason"] for e in refused] == ["AttachmentNotFoundError"] * 3


def test_a_district_department_cannot_download_city_evidence_it_may_not_see(app, client, login, people):
    attachment = attach(people)
    login("finance1_150202")
    assert client.get(f"/files/{attachment.id}/download").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app, client, people):
    attachment = attach(people)
    resp = client.get(f"/files/{attachment.id}/download")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
