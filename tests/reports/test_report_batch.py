"""Many project reports at once: chunked outbox jobs, progress as each chunk commits, a ZIP for the organisation."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import zipfile

import pytest
from sqlalchemy import select

from tests.engine import lifecycle_support
from tests.reports.pdf_support import pdf_text
from zerolegwork import jobs
from zerolegwork.demo import DEMO_PASSWORD
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState
from zerolegwork.orgs import services as orgs
from zerolegwork.reports.batch import services as batches
from zerolegwork.reports.batch.models import BatchState, ReportBatch, ReportBatchItem
from zerolegwork.reports.pdf import services as pdf

app = lifecycle_support.app  # the ZIPs and PDFs go to the test's own file storage


def pending_steps() -> list[OutboxJob]:
    return list(
        db.session.scalars(
            select(OutboxJob)
            .where(OutboxJob.job == batches.JOB, OutboxJob.state == OutboxState.PENDING)
            .order_by(OutboxJob.id)
        )
    )


def fresh(batch_id: int) -> ReportBatch:
    """The batch as another connection would read it after the last commit."""
    db.session.expire_all()
    return db.session.get_one(ReportBatch, batch_id)


def run_all() -> None:
    """Run the batch's outbox rows the way the worker would, one committed job at a time."""
    while steps := pending_steps():
        for step in steps:
            jobs.execute(step.id)


def unpack(data: bytes) -> tuple[dict[str, bytes], list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    index = list(csv.DictReader(io.StringIO(members.pop("index.csv").decode("utf-8-sig"))))
    return members, index


def start(people, username: str = "unit1", **filters: str) -> ReportBatch:
    batch = batches.start_batch(people["users"][username], filters)
    db.session.commit()
    db.session.info.pop("outbox_committed", None)  # the test runs the jobs itself, step by step
    return batch


def test_a_chunk_is_an_eighth_of_the_batch_within_bounds():
    assert [batches.chunk_size(n) for n in (1, 3, 80, 81, 400, 1300, 5000)] == [10, 10, 10, 11, 50, 50, 50]


def test_a_batch_over_three_projects_packs_three_pdfs_and_an_index(app, people, client, login):
    login("unit1")
    response = client.post("/reports/projects/batches", data={})
    assert response.status_code == 302
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    # without Redis the outbox runs the chain in this process after the request: plan, chunk, ZIP
    status = client.get(f"/reports/projects/batches/{batch_id}.json").get_json()
    assert status["state"] == "done" and status["done"] == status["total"] == 3 and status["percent"] == 100
    assert status["download"] == f"/reports/projects/batches/{batch_id}/download"
    page = client.get(f"/reports/projects/batches/{batch_id}").get_data(as_text=True)
    assert "已完成" in page and 'data-testid="batch-download"' in page

    download = client.get(status["download"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    members, index = unpack(download.data)
    assert len(members) == 3 and all(name.endswith(".pdf") for name in members)
    by_code = {p.code: p for p in people["projects"]}
    assert [row["项目代码"] for row in index] == sorted(by_code)
    for row in index:
        data = members[row["文件名"]]
        assert row["结果"] == "成功" and row["sha256"] == hashlib.sha256(data).hexdigest()
        assert row["文件名"].startswith(row["项目代码"] + "_")
        assert "".join(by_code[row["项目代码"]].name.split()) in "".join(pdf_text(data).split())


def test_progress_is_visible_as_each_chunk_commits(any_app, people, monkeypatch):
    monkeypatch.setattr(batches, "MIN_CHUNK", 2)
    batch = start(people)
    assert (batch.state, batch.total, batch.done_count) == (BatchState.QUEUED, 3, 0)
    (plan,) = pending_steps()
    jobs.execute(plan.id)
    assert fresh(batch.id).state == BatchState.RUNNING
    first, second = pending_steps()
    assert (first.kwargs["step"], second.kwargs["chunk"]) == ("chunk", 1)
    jobs.execute(first.id)
    assert (fresh(batch.id).done_count, fresh(batch.id).zip_queued) == (2, False)
    jobs.execute(second.id)
    assert (fresh(batch.id).done_count, fresh(batch.id).zip_queued) == (3, True)
    (pack,) = pending_steps()
    assert pack.kwargs["step"] == "zip"
    jobs.execute(pack.id)
    done = fresh(batch.id)
    assert done.state == BatchState.DONE and done.zip_sha256 and done.finished_at is not None
    assert len(done.job_ids) == 4  # plan, two chunks, ZIP


def test_two_chunks_finishing_together_on_postgresql_neither_waits_for_nor_kills_the_other(pg_app, people, monkeypatch):
    monkeypatch.setattr(batches, "MIN_CHUNK", 2)
    batch = start(people)
    (plan,) = pending_steps()
    jobs.execute(plan.id)
    chunks = pending_steps()
    meeting = threading.Barrier(len(chunks), timeout=20)
    lock = batches._locked

    def together(batch_id):
        meeting.wait()  # both chunks have inserted their items, whose foreign keys share-lock the batch row
        return lock(batch_id)

    monkeypatch.setattr(batches, "_locked", together)
    errors = []

    def run(outbox_id):
        with pg_app.app_context():
            try:
                jobs.execute(outbox_id)
            except Exception as exc:  # a deadlock would surface here
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(chunk.id,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    done = fresh(batch.id)
    assert (done.done_count, done.zip_queued) == (3, True)


def test_the_batch_holds_only_the_projects_the_requester_sees(app, people):
    district = start(people, "finance1_150202")  # 东河区's finance bureau sees its own district's project
    assert district.project_ids == [people["projects"][2].id]
    filtered = start(people, "unit1", category="城市更新")
    assert filtered.project_ids == [people["projects"][2].id]
    assert filtered.query == "category=%E5%9F%8E%E5%B8%82%E6%9B%B4%E6%96%B0"


def test_only_the_requesters_organisation_may_fetch_the_zip(app, people, client, login):
    unit = people["users"]["unit1"].org
    orgs.create_user("unit2", "项目单位 同事", DEMO_PASSWORD, unit)
    db.session.commit()
    batch = start(people)
    run_all()
    urls = [f"/reports/projects/batches/{batch.id}{tail}" for tail in ("", ".json", "/download")]
    login("finance1")  # sees every project of the city, but did not ask for this ZIP
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    login("unit2")
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    assert "批次" in client.get("/reports/projects/batches").get_data(as_text=True)


def test_a_project_that_fails_is_listed_and_the_others_are_packed(app, people, monkeypatch, client, login):
    broken = people["projects"][1]
    render = pdf.render

    def failing(project_id, generated_at=None):
        if project_id == broken.id:
            raise RuntimeError("font missing")
        return render(project_id, generated_at)

    monkeypatch.setattr(pdf, "render", failing)
    batch = start(people)
    run_all()
    done = fresh(batch.id)
    assert (done.state, done.done_count, done.failed_count) == (BatchState.DONE, 3, 1)
    login("unit1")
    status = client.get(f"/reports/projects/batches/{batch.id}.json").get_json()
    assert status["failed"] == 1 and status["download"]
    members, index = unpack(client.get(status["download"]).data)
    assert len(members) == 2
    (failed,) = [row for row in index if row["项目代码"] == broken.code]
    assert failed["结果"] == "失败：RuntimeError: font missing" and failed["sha256"] == ""


def test_a_step_that_the_outbox_gave_up_on_fails_the_batch(app, people, client, login):
    batch = start(people)
    (plan,) = pending_steps()
    plan.state = OutboxState.FAILED
    plan.last_error = "OperationalError: database went away"
    db.session.commit()
    login("unit1")
    status = client.get(f"/reports/projects/batches/{batch.id}.json").get_json()
    assert status["state"] == "failed" and "重新发起" in status["error"]
    assert client.get(f"/reports/projects/batches/{batch.id}/download").status_code == 404
    assert fresh(batch.id).error == "OperationalError: database went away"


def test_every_step_run_again_changes_nothing(app, people):
    batch = start(people)
    (plan,) = pending_steps()
    # a worker killed before the commit: the step's effects roll back with it, and it runs again whole
    batches.run_batch(batch.id, step="plan")
    db.session.rollback()
    jobs.execute(plan.id)
    (chunk,) = pending_steps()
    batches.run_batch(batch.id, step="chunk", chunk=0, size=10)
    db.session.rollback()
    jobs.execute(chunk.id)
    # a step run twice (relayed again while the first run was finishing) finds its work done
    batches.run_batch(batch.id, step="plan")
    batches.run_batch(batch.id, step="chunk", chunk=0, size=10)
    db.session.commit()
    assert len(pending_steps()) == 1  # the one ZIP step, queued once
    items = db.session.scalars(select(ReportBatchItem).where(ReportBatchItem.batch_id == batch.id)).all()
    assert len(items) == 3 and fresh(batch.id).done_count == 3
    run_all()
    first = fresh(batch.id).zip_sha256
    # the same PDFs and ZIP bytes come out of a re-run: every file carries the batch's time
    batch_row = fresh(batch.id)
    batch_row.state = BatchState.RUNNING
    batches.run_batch(batch.id, step="zip")
    db.session.commit()
    assert fresh(batch.id).zip_sha256 == first
    again = pdf.render(items[0].project_id, generated_at=fresh(batch.id).created_at)
    assert hashlib.sha256(again).hexdigest() == items[0].sha256


def test_an_empty_selection_is_refused_with_a_message(app, people, client, login):
    login("unit1")
    response = client.post("/reports/projects/batches", data={"q": "没有这个项目"}, follow_redirects=True)
    assert "没有符合筛选条件的项目" in response.get_data(as_text=True)
    assert db.session.scalars(select(ReportBatch)).all() == []
    with pytest.raises(batches.BatchError):
        batches.start_batch(people["users"]["unit1"], {"q": "没有这个项目"})


def test_the_project_list_offers_the_batch_with_its_filters(app, people, client, login):
    login("unit1")
    page = client.get("/projects/?category=城市更新").get_data(as_text=True)
    assert 'data-testid="batch-project-reports"' in page and "批量生成项目报告" in page
    assert '<input type="hidden" name="category" value="城市更新">' in page


def test_a_waiting_batch_page_shows_its_state_and_polls_for_progress(app, people, client, login):
    batch = start(people)
    login("unit1")
    page = client.get(f"/reports/projects/batches/{batch.id}").get_data(as_text=True)
    assert "排队中" in page and "0 / 3" in page.replace("</span>", "")
    assert f"/reports/projects/batches/{batch.id}.json" in page and "/static/batch.js" in page
    assert 'id="batch-waiting" >' in page  # shown, not hidden: static/batch.js polls while it is
    assert 'id="batch-download" href="#"' in page and "hidden" in page
