"""Where file contents live, named by their sha256: a local folder, or S3-compatible object storage."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import Flask, current_app

from ..config import Settings
from .errors import StorageFullError

SHA256_RE = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


def _key(sha256: str) -> str:
    """The generated name of a content: ab/cd/<sha256> (two levels keep folders small)."""
    if not SHA256_RE.fullmatch(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Storage(Protocol):
    """Contents by sha256; a put of a content already stored changes nothing."""

    def put(self, sha256: str, data: BinaryIO) -> None: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...


class LocalStorage:
    """Files under a folder, written to a temporary file first and renamed into place."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / _key(sha256)

    def put(self, sha256: str, data: BinaryIO) -> None:
        """Store a content; a full disk (or quota) is StorageFullError, with nothing left behind."""
        try:
            self._put(sha256, data)
        except OSError as exc:
            if exc.errno in NO_ROOM:
                raise StorageFullError(str(self.root)) from exc
            raise

    def _put(self, sha256: str, data: BinaryIO) -> None:
        target = self.path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := data.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o640)
            # atomic on one filesystem: a reader sees no file or the whole file, never half of it;
            # two requests storing the same content at once both rename identical bytes
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()


class S3Storage:
    """Objects in one bucket of S3-compatible storage (MinIO, …), keyed like the local folder."""

    def __init__(self, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    def put(self, sha256: str, data: BinaryIO) -> None:
        if self.exists(sha256):
            return
        # an object appears whole or not at all; the same key written twice holds the same bytes
        self.client.upload_fileobj(data, self.bucket, _key(sha256))

    def open(self, sha256: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=_key(sha256))["Body"]  # type: ignore[no-any-return]

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def storage_for(settings: Settings) -> Storage:
    """S3 when all four S3 settings are given, the local folder when none are; half a setup is refused."""
    s3 = (settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key, settings.s3_secret_key)
    if all(s3):
        return S3Storage(*s3, region=settings.s3_region)
    if any(s3):
        raise RuntimeError(
            "set all of ZLW_S3_ENDPOINT, ZLW_S3_BUCKET, ZLW_S3_ACCESS_KEY and ZLW_S3_SECRET_KEY, or none of them"
        )
    return LocalStorage(settings.files_dir)


def init_app(app: Flask) -> None:
    """Choose the storage once, when the app starts."""
    app.extensions["zlw_storage"] = storage_for(app.config["ZLW"])


def storage() -> Storage:
    """The app's storage."""
    return current_app.extensions["zlw_storage"]  # type: ignore[no-any-return]
