"""Uploading evidence: what is accepted, what is refused (with a Chinese message), and how it is stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.files import samples
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.files import services, validation
from zerolegwork.files.errors import DecompressionBombError, FileNameError
from zerolegwork.files.models import Attachment, Blob


def post(client, project_id, data, name, slot="feasibility_report", **form):
    return client.post(
        f"/files/projects/{project_id}/upload",
        data={"slot": slot, "file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def text(resp):
    return resp.get_data(as_text=True)


def files_dir(app):
    return Path(app.config["ZLW"].files_dir)


def stored_files(app):
    return sorted(p for p in files_dir(app).rglob("*") if p.is_file())


def test_a_pdf_is_stored_under_its_sha256_and_the_upload_is_audited(app, client, login, people):
    import hashlib

    project = people["projects"][0]
    login("unit1")
    resp = post(client, project.id, samples.PDF, "可行性研究报告.pdf")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/projects/{project.id}")
    (attachment,) = db.session.scalars(select(Attachment)).all()
    sha = hashlib.sha256(samples.PDF).hexdigest()
    assert (attachment.filename, attachment.content_type, attachment.version) == (
        "可行性研究报告.pdf",
        "application/pdf",
        1,
    )
    assert attachment.sha256 == sha and attachment.org_id == people["users"]["unit1"].org_id
    assert stored_files(app) == [files_dir(app) / sha[:2] / sha[2:4] / sha]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "file.upload")).one()
    assert event.object_id == str(attachment.id) and event.detail["sha256"] == sha
    assert event.detail["slot"] == "feasibility_report"


def test_the_same_pdf_uploaded_twice_is_stored_once(app, client, login, people):
    project = people["projects"][0]
    login("unit1")
    assert post(client, project.id, samples.PDF, "报告.pdf").status_code == 303
    assert post(client, project.id, samples.PDF, "报告（再次）.pdf").status_code == 303  # same slot: no new version
    assert post(client, project.id, samples.PDF, "用地意见.pdf", slot="land_use_opinion").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1
    assert len(stored_files(app)) == 1
    rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.slot, a.version) for a in rows] == [("feasibility_report", 1), ("land_use_opinion", 1)]


def test_a_new_file_for_a_slot_is_its_next_version_listed_first(app, people):
    unit1, project = people["users"]["unit1"], people["projects"][0]
    first = services.upload(unit1, project.id, "site_photo", "现场1.png", io.BytesIO(samples.image("PNG")))
    second = services.upload(unit1, project.id, "site_photo", "现场2.jpg", io.BytesIO(samples.image("JPEG")))
    services.upload(unit1, project.id, "feasibility_report", "报告.pdf", io.BytesIO(samples.PDF))
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert second.content_type == "image/jpeg"
    listed = services.attachments_of(unit1, project.id, "site_photo")
    assert [a.id for a in listed] == [second.id, first.id]
    assert len(services.attachments_of(unit1, project.id)) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [(samples.SCRIPT, "网页、脚本或宏"), (samples.PYTHON, "文件内容与扩展名（pdf）不符")],
    ids=["shell-script", "python-script"],
)
def test_a_script_renamed_to_pdf_is_refused(app, client, login, people, content, message):
    login("unit1")
    resp = post(client, people["projects"][0].id, content, "报告.pdf")
    assert resp.status_code == 415
    assert message in text(resp)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert stored_files(app) == []


def test_an_html_file_is_refused_by_its_extension_and_by_its_content(app, client, login, people):
    login("unit1")
    project_id = people["projects"][0].id
    resp = post(client, project_id, samples.HTML, "说明.html")
    assert resp.status_code == 415 and "此处不接受这类文件（html）" in text(resp) and "pdf" in text(resp)
    resp = post(client, project_id, samples.HTML, "说明.pdf")
    assert resp.status_code == 415 and "网页、脚本或宏" in text(resp)
    resp = post(client, project_id, b"\xef\xbb\xbf  <svg onload=alert(1)>", "照片.png")
    assert resp.status_code == 415 and "网页、脚本或宏" in text(resp)


def test_an_oversized_file_is_refused(app, client, login, people, monkeypatch):
    monkeypatch.setattr(app.config["ZLW"], "upload_max_bytes", 2 * 1024 * 1024)
    login("unit1")
    big = samples.PDF + b"0" * (2 * 1024 * 1024)
    resp = post(client, people["projects"][0].id, big, "大文件.pdf")
    assert resp.status_code == 413 and "文件过大：每个文件不超过 2 MB" in text(resp)
    assert stored_files(app) == []


def test_a_request_body_over_the_limit_answers_413_in_chinese(app, client, login, people):
    login("unit1")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    resp = post(client, people["projects"][0].id, samples.PDF + b"0" * 100_000, "大文件.pdf")
    assert resp.status_code == 413 and "上传的文件过大" in text(resp)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "报告/../../x.pdf", "/var/../x.pdf"])
def test_a_name_climbing_out_of_its_folder_is_refused(app, client, login, people, name):
    login("unit1")
    resp = post(client, people["projects"][0].id, samples.PDF, name)
    assert resp.status_code == 422 and "文件名不允许" in text(resp)
    assert stored_files(app) == []


def test_a_docx_zip_bomb_is_refused(app, client, login, people):
    login("unit1")
    bomb = samples.zip_bomb_docx()
    assert len(bomb) < 100_000
    resp = post(client, people["projects"][0].id, bomb, "方案.docx")
    assert resp.status_code == 422 and "解压后的数据远大于文件本身" in text(resp)


def test_office_files_with_too_many_parts_or_too_much_inside_are_refused(app, people, monkeypatch):
    import os

    unit1, project_id = people["users"]["unit1"], people["projects"][0].id
    monkeypatch.setattr(validation, "ZIP_MAX_ENTRIES", 10)
    many = samples.office("xlsx", {f"xl/worksheets/sheet{i}.xml": b"<x/>" for i in range(20)})
    with pytest.raises(DecompressionBombError):
        services.upload(unit1, project_id, "budget", "预算.xlsx", io.BytesIO(many))
    monkeypatch.setattr(validation, "ZIP_MAX_UNPACKED", 1024 * 1024)
    # random bytes do not compress: the ratio is fine, the total unpacked size is not
    heavy = samples.office("docx", {"word/media/a.bin": os.urandom(700_000), "word/media/b.bin": os.urandom(700_000)})
    with pytest.raises(DecompressionBombError):
        services.upload(unit1, project_id, "plan", "方案.docx", io.BytesIO(heavy))


def test_an_upload_to_another_units_project_is_refused_as_not_found(app, client, login, people, other_unit):
    login("other_unit")
    resp = post(client, people["projects"][0].id, samples.PDF, "报告.pdf")
    assert resp.status_code == 404 and "项目不存在，或您无权查看" in text(resp)
    login("unit1")
    resp = post(client, other_unit["project"].id, samples.PDF, "报告.pdf")
    assert resp.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert len(refused) == 2


def test_a_department_that_sees_the_project_may_add_evidence(app, client, login, people):
    login("finance1")
    resp = post(client, people["projects"][0].id, samples.PDF, "审查意见.pdf", slot="review_opinion")
    assert resp.status_code == 303
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.uploaded_by.username == "finance1"


def test_content_must_match_the_extension(app, people):
    unit1, project_id = people["users"]["unit1"], people["projects"][0].id
    from zerolegwork.files.errors import DamagedFileError, FileTypeError

    cases = [
        (samples.image("PNG"), "照片.jpg", FileTypeError),
        (samples.PDF, "表格.xlsx", FileTypeError),
        (samples.office("xlsx"), "文档.docx", FileTypeError),
        (samples.image("JPEG"), "旧表格.xls", FileTypeError),
        (samples.PDF, "无扩展名", FileTypeError),
        (samples.image("PNG")[:40], "坏照片.png", DamagedFileError),
        (b"PK\x03\x04 not really a zip", "坏文档.docx", DamagedFileError),
    ]
    for content, name, error in cases:
        with pytest.raises(error):
            services.upload(unit1, project_id, "misc", name, io.BytesIO(content))


def test_real_office_images_and_old_office_files_are_accepted(app, people):
    unit1, project_id = people["users"]["unit1"], people["projects"][0].id
    for content, name, content_type in [
        (samples.office("docx"), "方案.docx", validation.CONTENT_TYPES["docx"]),
        (samples.office("xlsx"), "预算.xlsx", validation.CONTENT_TYPES["xlsx"]),
        (samples.OLE_HEADER, "旧方案.doc", "application/msword"),
        (samples.image("WEBP"), "现场.webp", "image/webp"),
    ]:
        assert services.upload(unit1, project_id, "misc", name, io.BytesIO(content)).content_type == content_type


def test_active_content_inside_allowed_formats_is_refused(app, people):
    from zerolegwork.files.errors import ActiveContentError

    unit1, project_id = people["users"]["unit1"], people["projects"][0].id
    macro_docx = samples.office("docx", {"word/vbaProject.bin": b"macro"})
    macro_xls = samples.OLE_HEADER + "_VBA_PROJECT".encode("utf-16-le")
    for content, name in [(samples.PDF_WITH_SCRIPT, "带脚本.pdf"), (macro_docx, "宏.docx"), (macro_xls, "宏.xls")]:
        with pytest.raises(ActiveContentError):
            services.upload(unit1, project_id, "misc", name, io.BytesIO(content))


def test_markup_far_past_the_first_4_kib_is_refused(app, client, login, people):
    """The whole file is read for markup, not its head: a page hidden after 4 KiB of a real PDF is refused."""
    login("unit1")
    hidden = samples.PDF + b"%" + b"x" * 8192 + b"\n<html><script>alert(document.cookie)</script>\n"
    assert hidden.index(b"<html") > 4096
    resp = post(client, people["projects"][0].id, hidden, "报告.pdf")
    assert resp.status_code == 415 and "网页、脚本或宏" in text(resp)
    assert stored_files(app) == []


@pytest.mark.parametrize("marker", [b"javascript:", b"<script>", b"<SVG "])
def test_a_marker_split_across_two_read_chunks_is_found(marker):
    from zerolegwork.files.errors import ActiveContentError

    start = validation.CHUNK - 4  # the marker begins 4 bytes before the second chunk
    content = samples.PDF + b"%" + b"x" * (start - len(samples.PDF) - 1) + marker + b"x" * 100
    assert content.index(marker) < validation.CHUNK < content.index(marker) + len(marker)
    with pytest.raises(ActiveContentError):
        validation.check_content("pdf", io.BytesIO(content))


def test_a_large_clean_file_is_accepted_and_tag_like_words_are_not_markup():
    content = samples.PDF + (b"% <svgfont> <bodywork> <htmlx> javascript\n" + b"\x00" * 4000) * 1000
    assert len(content) > 2 * validation.CHUNK
    validation.check_content("pdf", io.BytesIO(content))


def test_utf16_markup_past_the_head_is_refused():
    from zerolegwork.files.errors import ActiveContentError

    content = ("\ufeff" + "说明" * 3000 + "<iframe src=x>").encode("utf-16-le")
    with pytest.raises(ActiveContentError):
        validation.check_content("pdf", io.BytesIO(content))


def test_an_image_bomb_is_refused(app, people):
    with pytest.raises(DecompressionBombError):
        services.upload(
            people["users"]["unit1"], people["projects"][0].id, "site_photo", "炸弹.png", io.BytesIO(samples.huge_png())
        )


def test_an_empty_file_a_missing_file_and_a_bad_slot_are_refused(app, client, login, people):
    login("unit1")
    project_id = people["projects"][0].id
    resp = post(client, project_id, b"", "空.pdf")
    assert resp.status_code == 422 and "请选择要上传的文件" in text(resp)
    resp = client.post(f"/files/projects/{project_id}/upload", data={"slot": "x"}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "请选择要上传的文件" in text(resp)
    resp = post(client, project_id, samples.PDF, "报告.pdf", slot="../etc")
    assert resp.status_code == 422 and "没有说明这是哪一份材料" in text(resp)


def test_a_task_of_another_project_cannot_be_named(app, people):
    from tests.helpers import ready_tasks, submit
    from zerolegwork.engine.errors import TaskNotFoundError

    submit(people, 0)
    (task,) = ready_tasks(people["projects"][0].id, "finance")
    finance1 = people["users"]["finance1"]
    attached = services.upload(
        finance1, people["projects"][0].id, "review_opinion", "意见.pdf", io.BytesIO(samples.PDF), task.id
    )
    assert attached.task_id == task.id
    with pytest.raises(TaskNotFoundError):
        services.upload(
            finance1, people["projects"][1].id, "review_opinion", "意见.pdf", io.BytesIO(samples.PDF), task.id
        )


def test_a_refused_upload_from_a_page_returns_there_with_the_message(app, client, login, people):
    login("unit1")
    project_id = people["projects"][0].id
    resp = post(client, project_id, samples.SCRIPT, "报告.pdf", next=f"/projects/{project_id}")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/projects/{project_id}")
    assert "网页、脚本或宏" in text(client.get(f"/projects/{project_id}"))
    resp = post(client, project_id, samples.PDF, "报告.pdf", next="//evil.example/")
    assert resp.headers["Location"].endswith(f"/projects/{project_id}")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\王\\报告.pdf", "报告.pdf"),
        ("dir/sub/报告.pdf", "报告.pdf"),
        ("  报告\u202efdp.exe  ", "报告fdp.exe"),
        ("a\x00b\x1f<c>.pdf", "ab_c_.pdf"),
        ("很" * 300 + ".pdf", "很" * 116 + ".pdf"),
    ],
)
def test_file_names_are_cleaned_for_display(raw, clean):
    assert validation.clean_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "..", "../x.pdf", "a/../b.pdf", "..\\..\\boot.ini.pdf", "\u202e"])
def test_file_names_with_nothing_left_or_climbing_out_are_refused(raw):
    with pytest.raises(FileNameError):
        validation.clean_filename(raw)
