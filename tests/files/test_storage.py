"""Storage by sha256: the local folder (atomic, sharded names) and S3-compatible object storage (moto)."""

from __future__ import annotations

import hashlib
import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.files import samples
from zerolegwork.files.storage import LocalStorage, S3Storage, storage_for

SHA = hashlib.sha256(samples.PDF).hexdigest()


def test_local_storage_names_files_by_sha256_in_two_levels_and_leaves_no_temporary_file(tmp_path):
    store = LocalStorage(tmp_path)
    assert not store.exists(SHA)
    store.put(SHA, io.BytesIO(samples.PDF))
    store.put(SHA, io.BytesIO(b"ignored: the content is already there"))
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        f"{SHA[:2]}/{SHA[2:4]}/{SHA}"
    ]
    with store.open(SHA) as f:
        assert f.read() == samples.PDF


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError("disk went away")

    store = LocalStorage(tmp_path)
    with pytest.raises(OSError):
        store.put(SHA, Broken())
    assert not store.exists(SHA) and [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "ab", SHA.upper()])
def test_storage_names_are_only_sha256_digests(tmp_path, name):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).put(name, io.BytesIO(b"x"))


def test_the_local_folder_is_the_default_and_half_an_s3_setup_is_refused(tmp_path):
    from zerolegwork import create_app

    assert isinstance(storage_for(make_settings("sqlite://", files_dir=str(tmp_path))), LocalStorage)
    with pytest.raises(RuntimeError, match="ZLW_S3_BUCKET"):
        create_app(make_settings("sqlite://", s3_endpoint="http://127.0.0.1:9000"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on the loopback address, for this module only."""
    pytest.importorskip("moto.server")
    port = _free_port()
    server = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3_settings(s3_endpoint, tmp_path):
    import uuid

    import boto3

    bucket = "zlw-" + uuid.uuid4().hex[:12]
    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **keys).create_bucket(Bucket=bucket)
    return make_settings(
        f"sqlite:///{tmp_path / 's3.db'}",
        s3_endpoint=s3_endpoint,
        s3_bucket=bucket,
        s3_access_key="test",
        s3_secret_key="test",
        files_dir=str(tmp_path / "unused"),
    )


def test_s3_storage_keeps_one_object_per_content(s3_settings):
    store = storage_for(s3_settings)
    assert isinstance(store, S3Storage) and not store.exists(SHA)
    store.put(SHA, io.BytesIO(samples.PDF))
    store.put(SHA, io.BytesIO(samples.PDF))
    assert store.exists(SHA)
    assert store.open(SHA).read() == samples.PDF
    listed = store.client.list_objects_v2(Bucket=s3_settings.s3_bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"{SHA[:2]}/{SHA[2:4]}/{SHA}"]


def test_an_upload_and_its_download_go_through_s3_when_configured(s3_settings, tmp_path):
    from tests.conftest import deploy_repository
    from zerolegwork import create_app, demo
    from zerolegwork.extensions import db
    from zerolegwork.projects.models import Project

    app = create_app(s3_settings)
    with app.app_context():
        db.create_all()
        deploy_repository()
        demo.seed()
        db.session.commit()
        project_id = db.session.scalars(db.select(Project.id).order_by(Project.id)).first()
        client = app.test_client()
        client.post("/login", data={"username": "unit1", "password": demo.DEMO_PASSWORD})
        resp = client.post(
            f"/files/projects/{project_id}/upload",
            data={"slot": "feasibility_report", "file": (io.BytesIO(samples.PDF), "报告.pdf")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 303
        from zerolegwork.files.models import Attachment

        attachment = db.session.scalars(db.select(Attachment)).one()
        resp = client.get(f"/files/{attachment.id}/download")
        assert resp.status_code == 200 and resp.data == samples.PDF
        resp.close()
        db.session.remove()
        db.engine.dispose()
    assert not Path(s3_settings.files_dir).exists()
