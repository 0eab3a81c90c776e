"""Many project reports at once: a batch renders each project's PDF in the worker and packs them into one ZIP.

The batch runs as a chain of outbox jobs, all named `report_batch`:

- `plan` (the one job start_batch() queues) marks the batch running and queues one `chunk` job per
  chunk_size() projects;
- each `chunk` renders its projects, stores every PDF in the file storage by its sha256, writes one
  ReportBatchItem per project and raises the batch's done_count, all in the transaction that also
  marks its outbox row done. So progress is visible as soon as a chunk commits, chunks run side by side
  on as many workers as there are, and a chunk killed half-way leaves nothing and runs again whole;
- the chunk that completes the count queues `zip`, which packs the stored PDFs and an index.csv into a
  ZIP, stores it by its sha256 and marks the batch done.

Every PDF of a batch is stamped with the batch's creation time, and the ZIP's entries carry that time
too, so a retried step writes the same bytes under the same names. A project whose PDF cannot be made is
listed in index.csv with the reason, and the others are packed anyway; a step that fails for good (the
outbox gave up on it) fails the batch, which the progress page then says.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import tempfile
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import urlencode

from sqlalchemy import func, select

from ... import jobs
from ...audit import services as audit
from ...db import utcnow
from ...exports import csv_row
from ...extensions import db
from ...files.storage import storage
from ...i18n import SHANGHAI
from ...jobs import OutboxJob, OutboxState
from ...orgs.models import User
from ...projects.library import ProjectQuery, filtered
from ...projects.models import Project
from ..pdf import services as pdf
from .models import BatchState, ReportBatch, ReportBatchItem

log = logging.getLogger(__name__)

JOB = "report_batch"
# projects per chunk job: about an eighth of the batch, so the progress bar moves in steps, but at least
# MIN_CHUNK and at most MAX_CHUNK: each rq job starts a fresh work-horse that builds the app (about 1.5 s),
# which 50 renders (about 6 s) outweigh, while a chunk still commits every few seconds
MIN_CHUNK, MAX_CHUNK, STEPS = 10, 50, 8
MAX_PROJECTS = 5000  # a larger selection is refused: narrow the filters (a whole city is about 1,300)
SPOOL_IN_MEMORY = 16 * 1024 * 1024


class BatchError(Exception):
    """A batch that cannot start."""

    def __init__(self, reason: str, count: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.count = count


class BatchNotFoundError(LookupError):
    """No such batch, or one the user may not see (answers 404)."""


def start_batch(user: User, query_args: Mapping[str, Any]) -> ReportBatch:
    """Queue the reports of every project the user sees that the list's filters match (flush only).

    The projects are fixed now, by the user's visibility at this moment; the job renders exactly these.
    """
    query = ProjectQuery.from_args(query_args)
    ids = list(db.session.scalars(filtered(user, query).with_only_columns(Project.id).limit(MAX_PROJECTS + 1)))
    if not ids:
        raise BatchError("empty")
    if len(ids) > MAX_PROJECTS:
        raise BatchError("too_many", MAX_PROJECTS)
    query_text = urlencode(query.as_args())[:1000]
    return queue_batch(user, ids, query=query_text, audit_details={"query": query_text})


def queue_batch(
    user: User, ids: list[int], *, query: str, kind: str = "project", audit_details: dict[str, Any] | None = None
) -> ReportBatch:
    """A batch of the given items, queued with its plan job and audited `report.batch` (flush only)."""
    batch = ReportBatch(
        kind=kind,
        requested_by_id=user.id,
        org_id=user.org_id,
        query=query,
        project_ids=ids,
        total=len(ids),
        state=BatchState.QUEUED,
        created_at=utcnow().replace(microsecond=0),
    )
    db.session.add(batch)
    db.session.flush()
    row = jobs.enqueue(JOB, batch_id=batch.id, step="plan")
    db.session.flush()
    batch.job_ids = [row.id]
    audit.record("report.batch", "report_batch", batch.id, user.id, total=len(ids), **(audit_details or {}))
    db.session.flush()
    return batch


def recent_batches(user: User, limit: int = 20) -> list[ReportBatch]:
    """The organisation's latest batches, newest first (colleagues see the same projects, so the same batches)."""
    return list(
        db.session.scalars(
            select(ReportBatch).where(ReportBatch.org_id == user.org_id).order_by(ReportBatch.id.desc()).limit(limit)
        )
    )


def get_batch(user: User, batch_id: int) -> ReportBatch:
    """A batch the user requested, or one a colleague of the same organisation did; else BatchNotFoundError."""
    batch = db.session.get(ReportBatch, batch_id)
    if batch is None or batch.org_id != user.org_id:
        raise BatchNotFoundError(str(batch_id))
    return batch


def status(user: User, batch_id: int) -> ReportBatch:
    """The batch as its progress page shows it; a step the outbox gave up on marks it failed (flush only)."""
    batch = get_batch(user, batch_id)
    if batch.state in (BatchState.QUEUED, BatchState.RUNNING) and batch.job_ids:
        failed = db.session.execute(
            select(OutboxJob.last_error)
            .where(OutboxJob.id.in_(batch.job_ids), OutboxJob.state == OutboxState.FAILED)
            .limit(1)
        ).first()
        if failed is not None:
            batch.state = BatchState.FAILED
            batch.error = (failed.last_error or "")[:2000]
            batch.finished_at = utcnow()
            db.session.flush()
    return batch


def open_zip(user: User, batch_id: int) -> tuple[ReportBatch, BinaryIO]:
    """The finished ZIP of a batch the user may fetch, as a stream the caller closes."""
    batch = get_batch(user, batch_id)
    if batch.state != BatchState.DONE or not batch.zip_sha256:
        raise BatchNotFoundError(str(batch_id))
    audit.record("report.batch_download", "report_batch", batch.id, user.id, sha256=batch.zip_sha256)
    return batch, storage().open(batch.zip_sha256)


def run_batch(batch_id: int, step: str = "plan", chunk: int = 0, size: int = MIN_CHUNK) -> None:
    """The `report_batch` job: one step of a batch (see the module docstring); a step already done does nothing."""
    if step == "plan":
        _plan(batch_id)
    elif step == "chunk":
        _render_chunk(batch_id, chunk, size)
    elif step == "zip":
        _pack(batch_id)
    else:
        raise ValueError(f"unknown report_batch step {step!r}")


def _locked(batch_id: int) -> ReportBatch | None:
    # FOR NO KEY UPDATE: the items a running chunk has inserted hold KEY SHARE on the batch row (their foreign
    # key), which FOR UPDATE would wait for; two chunks finishing together would deadlock
    return db.session.scalars(
        select(ReportBatch)
        .where(ReportBatch.id == batch_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()


def _plan(batch_id: int) -> None:
    batch = _locked(batch_id)
    if batch is None or batch.state != BatchState.QUEUED:
        return
    batch.state = BatchState.RUNNING
    batch.started_at = utcnow()
    size = chunk_size(batch.total)
    rows = [
        jobs.enqueue(JOB, batch_id=batch.id, step="chunk", chunk=n, size=size) for n in range(-(-batch.total // size))
    ]
    db.session.flush()
    batch.job_ids = [*batch.job_ids, *(r.id for r in rows)]


def chunk_size(total: int) -> int:
    """How many projects one chunk job renders."""
    return min(MAX_CHUNK, max(MIN_CHUNK, -(-total // STEPS)))


def _render_chunk(batch_id: int, chunk: int, size: int) -> None:
    batch = db.session.get(ReportBatch, batch_id)
    if batch is None or batch.state != BatchState.RUNNING:
        return
    ids = list(batch.project_ids[chunk * size : (chunk + 1) * size])
    made = set(
        db.session.scalars(
            select(ReportBatchItem.project_id).where(
                ReportBatchItem.batch_id == batch.id, ReportBatchItem.project_id.in_(ids)
            )
        )
    )
    names = _names(batch.kind, ids)
    for pid in ids:
        if pid in made:
            continue
        code, name = names.get(pid, (str(pid), ""))
        item = ReportBatchItem(batch_id=batch.id, project_id=pid, code=code, name=name, file_name="")
        try:
            with db.session.begin_nested():  # a failed statement must not spoil the chunk's transaction
                data, item.file_name = _render(batch.kind, pid, batch.created_at)
        except Exception as exc:  # one project's failure is listed, the others go on
            log.exception("report batch %s: project %s failed", batch.id, pid)
            item.error = f"{type(exc).__name__}: {exc}"[:500]
        else:
            item.sha256 = hashlib.sha256(data).hexdigest()
            item.size = len(data)
            storage().put(item.sha256, io.BytesIO(data))  # a storage failure fails (and retries) the chunk
        db.session.add(item)
    db.session.flush()
    batch = _locked(batch_id)
    assert batch is not None
    counts = db.session.execute(
        select(func.count(), func.count(ReportBatchItem.error)).where(ReportBatchItem.batch_id == batch.id)
    ).one()
    batch.done_count, batch.failed_count = int(counts[0]), int(counts[1])
    if batch.done_count >= batch.total and not batch.zip_queued:
        batch.zip_queued = True
        row = jobs.enqueue(JOB, batch_id=batch.id, step="zip")
        db.session.flush()
        batch.job_ids = [*batch.job_ids, row.id]


def _names(kind: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(code, name) of each item: a project's, or for a review batch the project of each library entry."""
    if kind == "review":
        from ...review_library import batch as review_batch

        return review_batch.describe(ids)
    rows = db.session.execute(select(Project.id, Project.code, Project.name).where(Project.id.in_(ids)))
    return {pid: (code, name) for pid, code, name in rows}


def _render(kind: str, item_id: int, at: datetime) -> tuple[bytes, str]:
    """The PDF and its file name: the project report, or a library entry's 评审报告 (the department's copy)."""
    if kind == "review":
        from ...review_library import report
        from ...review_library.models import LibraryEntry

        data = report.render_report(item_id, with_names=True, generated_at=at)
        return data, report.file_name(db.session.get_one(LibraryEntry, item_id))
    return pdf.render(item_id, generated_at=at), pdf.file_name(db.session.get_one(Project, item_id))


def _pack(batch_id: int) -> None:
    batch = _locked(batch_id)
    if batch is None or batch.state != BatchState.RUNNING:
        return
    items = list(
        db.session.scalars(
            select(ReportBatchItem).where(ReportBatchItem.batch_id == batch.id).order_by(ReportBatchItem.code)
        )
    )
    stamp = batch.created_at.astimezone(SHANGHAI).timetuple()[:6]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        with zipfile.ZipFile(spool, "w") as archive:
            for item in items:
                if item.sha256 is None:
                    continue
                entry = zipfile.ZipInfo(item.file_name, date_time=stamp)  # type: ignore[arg-type]
                entry.compress_type = zipfile.ZIP_STORED  # PDF pages are compressed already
                with storage().open(item.sha256) as source, archive.open(entry, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
            index = zipfile.ZipInfo("index.csv", date_time=stamp)  # type: ignore[arg-type]
            index.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(index, _index_csv(items))
        size = spool.tell()
        spool.seek(0)
        digest = hashlib.sha256()
        while block := spool.read(1024 * 1024):
            digest.update(block)
        spool.seek(0)
        storage().put(digest.hexdigest(), spool)  # type: ignore[arg-type]
    batch.zip_sha256 = digest.hexdigest()
    batch.zip_size = size
    batch.finished_at = utcnow()
    if items and all(i.error for i in items):
        batch.state = BatchState.FAILED
        batch.error = items[0].error
    else:
        batch.state = BatchState.DONE


def _index_csv(items: list[ReportBatchItem]) -> bytes:
    """项目代码, 项目名称, 文件名, SHA-256, 大小, 结果 — UTF-8 with a byte order mark, so Excel reads the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["项目代码", "项目名称", "文件名", "sha256", "大小（字节）", "结果"])
    for item in items:
        result = "成功" if item.error is None else f"失败：{item.error}"
        writer.writerow(csv_row([item.code, item.name, item.file_name, item.sha256 or "", item.size or "", result]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
