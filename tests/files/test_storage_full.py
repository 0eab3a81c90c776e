"""A full disk under the attachments: a clear 507 in Chinese, no file half-written and no row without its file."""

from __future__ import annotations

import errno
import hashlib
import io
import os
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.files import samples
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.files.errors import StorageFullError
from zerolegwork.files.models import Attachment, Blob
from zerolegwork.files.storage import LocalStorage

JSON = {"Accept": "application/json"}


def fill_the_disk_after(monkeypatch: Any, writes: int) -> None:
    """Let `writes` files reach the disk, then answer every fsync with ENOSPC, as a full filesystem does."""
    real = os.fsync
    done = [0]

    def fsync(fd: int) -> None:
        if done[0] >= writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        done[0] += 1
        real(fd)

    monkeypatch.setattr("zerolegwork.files.storage.os.fsync", fsync)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "file.upload"))


def test_a_full_disk_is_a_storage_full_error_and_leaves_no_file(tmp_path: Any, monkeypatch: Any) -> None:
    fill_the_disk_after(monkeypatch, 0)
    store = LocalStorage(tmp_path)
    sha = hashlib.sha256(samples.PDF).hexdigest()
    with pytest.raises(StorageFullError):
        store.put(sha, io.BytesIO(samples.PDF))
    assert not store.exists(sha)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_another_os_error_is_not_called_a_full_disk(tmp_path: Any, monkeypatch: Any) -> None:
    def fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("zerolegwork.files.storage.os.fsync", fsync)
    with pytest.raises(OSError) as raised:
        LocalStorage(tmp_path).put(hashlib.sha256(b"x").hexdigest(), io.BytesIO(b"x"))
    assert not isinstance(raised.value, StorageFullError)


def test_an_upload_to_a_full_disk_answers_507_in_chinese_and_records_nothing(
    app: Any, client: Any, login: Any, people: dict[str, Any], monkeypatch: Any
) -> None:
    project = people["projects"][0]
    login("unit1")
    events = upload_events()
    fill_the_disk_after(monkeypatch, 1)  # the first of the two files fits, the second does not

    resp = client.post(
        f"/files/projects/{project.id}/upload",
        data={
            "slot": "feasibility_report",
            "file": [(io.BytesIO(samples.PDF), "报告.pdf"), (io.BytesIO(samples.OTHER_PDF), "报告二.pdf")],
        },
        content_type="multipart/form-data",
        headers=JSON,
    )

    assert resp.status_code == 507 and resp.is_json
    assert "存储空间已满" in resp.json["error"]
    db.session.remove()
    assert count(Attachment) == 0 and count(Blob) == 0 and upload_events() == events


def test_an_upload_from_the_page_to_a_full_disk_goes_back_with_the_message(
    app: Any, client: Any, login: Any, people: dict[str, Any], monkeypatch: Any
) -> None:
    project = people["projects"][0]
    login("unit1")
    fill_the_disk_after(monkeypatch, 0)

    resp = client.post(
        f"/files/projects/{project.id}/upload",
        data={"slot": "feasibility_report", "file": (io.BytesIO(samples.PDF), "报告.pdf"), "next": "/projects/1"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "存储空间已满" in resp.get_data(as_text=True)
    db.session.remove()
    assert count(Attachment) == 0
