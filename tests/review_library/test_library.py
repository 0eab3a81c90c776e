"""The review library: entered once at 结果运用, ranked per call, seen by whom it concerns, with its review report."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.reports.pdf_support import pdf_text
from zerolegwork import jobs
from zerolegwork.experts.models import ReviewPanel
from zerolegwork.extensions import db
from zerolegwork.jobs import OutboxJob, OutboxState
from zerolegwork.orgs.models import Expert, User
from zerolegwork.reports.batch import services as batches
from zerolegwork.reports.batch.models import BatchState, ReportBatch
from zerolegwork.review_library import batch, report, services
from zerolegwork.review_library.models import LibraryEntry
from zerolegwork.reviews import dossier
from zerolegwork.reviews.models import ReviewCase


def panel_users(entry: LibraryEntry) -> tuple[list[User], User]:
    """The entry's panel experts' accounts, and an expert with an account who is not on the panel."""
    panel = db.session.get_one(ReviewPanel, entry.case.panel_id)
    seated = {m.expert_id for m in panel.members}
    on = [db.session.get_one(User, m.expert.user_id) for m in panel.active_members]
    off = db.session.scalars(
        select(User).join(Expert, Expert.user_id == User.id).where(Expert.id.not_in(seated)).order_by(User.id)
    ).first()
    assert off is not None
    return on, off


def test_a_used_result_enters_the_library_once_with_the_dossiers_digests(people: dict[str, Any], reviewed: Any) -> None:
    entry = reviewed(0, "pass", "60")
    case = db.session.get_one(ReviewCase, entry.case_id)
    assert (entry.verdict, entry.score, entry.recommended_amount) == ("pass", case.score, case.recommended_amount)
    assert entry.unit_id == case.application.unit_id and entry.plan == case.plan
    manifest, whole = dossier.manifest(case)
    assert entry.manifest == manifest and entry.manifest_sha256 == whole
    assert {"plan", "draw", "scores", "conclusion"} <= {m["name"] for m in entry.manifest}
    again = services.enter(people["users"]["finance1"], case)
    db.session.commit()
    assert again.id == entry.id
    assert db.session.scalar(select(func.count(LibraryEntry.id))) == 1


def test_the_call_lists_its_results_best_first_filters_searches_and_exports(
    client: Any, login: Any, people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    from tests.review_library.conftest import LOWER

    low = reviewed(0, "fail", "", LOWER)
    high = reviewed(1, "pass", "80")
    login("finance1")
    page = client.get(f"/calls/{call.id}/library").get_data(as_text=True)
    assert page.count('data-testid="library-row"') == 2
    assert page.index(high.project.name) < page.index(low.project.name)
    assert f'name="amount_{high.id}"' in page and f'name="amount_{low.id}"' not in page
    only = client.get(f"/calls/{call.id}/library?verdict=fail").get_data(as_text=True)
    assert only.count('data-testid="library-row"') == 1 and low.project.name in only
    found = client.get(f"/calls/{call.id}/library", query_string={"q": high.project.name[:6]}).get_data(as_text=True)
    assert high.project.name in found
    none = client.get(f"/calls/{call.id}/library?q=不存在的项目").get_data(as_text=True)
    assert 'data-testid="library-empty"' in none
    case_page = client.get(f"/reviews/{high.case_id}").get_data(as_text=True)
    assert f'href="/library/{high.id}"' in case_page
    book = load_workbook(io.BytesIO(client.get(f"/calls/{call.id}/library.xlsx").data))
    values = list(book.active.iter_rows(values_only=True))
    assert [r[2] for r in values[1:]] == [high.project.name, low.project.name]


def test_a_refused_arrangement_on_the_page_keeps_what_was_typed_and_says_why(
    client: Any, login: Any, people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    login("finance1")
    client.post(f"/calls/{call.id}/library/total", data={"total_amount": "50"})
    page = client.get(f"/calls/{call.id}/library").get_data(as_text=True)
    assert 'data-testid="call-total"' in page and "50.0000" in page
    resp = client.post(
        f"/calls/{call.id}/library/arrange",
        data={"version": "1", f"amount_{entry.id}": "70", "year": "2026", "document_no": "包财建〔2026〕9号"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'data-testid="arrange-errors"' in html and 'value="70"' in html and "包财建〔2026〕9号" in html
    resp = client.post(
        f"/calls/{call.id}/library/arrange",
        data={"version": "0", f"amount_{entry.id}": "20", "year": "2026", "document_no": "包财建〔2026〕9号"},
    )
    assert resp.status_code == 409
    resp = client.post(
        f"/calls/{call.id}/library/arrange",
        data={"version": "1", f"amount_{entry.id}": "20", "year": "2026", "document_no": "包财建〔2026〕9号"},
    )
    assert resp.status_code == 302
    entry_page = client.get(f"/library/{entry.id}").get_data(as_text=True)
    assert 'data-testid="entry-lines"' in entry_page and "20.0000" in entry_page


def test_nobody_else_opens_the_library_its_entries_or_reports(
    client: Any, login: Any, people: dict[str, Any], call: Any, reviewed: Any, other_unit: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    on, off = panel_users(entry)
    lists = [f"/calls/{call.id}/library", f"/calls/{call.id}/library.xlsx"]
    posts = [
        f"/calls/{call.id}/library/total",
        f"/calls/{call.id}/library/arrange",
        f"/calls/{call.id}/library/reports",
    ]
    pages = [f"/library/{entry.id}", f"/library/{entry.id}/report.pdf"]
    for username in ("ndrc1", "other_unit", off.username):
        login(username)
        for url in lists + pages:
            assert client.get(url).status_code == 404, (username, url)
        for url in posts:
            assert client.post(url, data={"total_amount": "1"}).status_code == 404, (username, url)
    login("unit1")  # the applicant unit: its own entries, no budget, no batch
    assert client.get(f"/calls/{call.id}/library").status_code == 200
    assert client.get(f"/library/{entry.id}/report.pdf").status_code == 200
    for url in posts:
        assert client.post(url, data={"total_amount": "1"}).status_code == 404, url
    resp = login(on[0].username)  # an expert on the panel: the entry and its report, not the call's list
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    assert client.get(f"/library/{entry.id}/report.pdf").status_code == 200
    assert client.get(f"/calls/{call.id}/library").status_code == 404
    login("admin")  # the platform's administrator reads, does not arrange
    assert client.get(f"/calls/{call.id}/library").status_code == 200
    assert client.post(posts[1], data={f"amount_{entry.id}": "1"}).status_code == 404
    assert client.get("/library/999999").status_code == 404


def test_the_review_report_is_a_chinese_pdf_with_the_digests_and_the_units_copy_names_no_expert(
    client: Any, login: Any, people: dict[str, Any], reviewed: Any
) -> None:
    entry = reviewed(0, "pass", "60")
    on, _off = panel_users(entry)
    names = [db.session.scalars(select(Expert.name).where(Expert.user_id == u.id)).one() for u in on]
    login("finance1")
    full = client.get(f"/library/{entry.id}/report.pdf")
    assert full.status_code == 200 and full.data.startswith(b"%PDF")
    text = "".join(pdf_text(full.data).split())
    assert "评审报告" in text and entry.project.name.replace(" ", "") in text and "通过" in text
    assert entry.manifest_sha256 in text
    assert all(m["sha256"] in text for m in entry.manifest)
    assert all(n in text for n in names)
    login("unit1")
    mine = client.get(f"/library/{entry.id}/report.pdf")
    unit_text = "".join(pdf_text(mine.data).split())
    assert entry.manifest_sha256 in unit_text and "专家一" in unit_text
    assert not any(n in unit_text for n in names)
    again = report.render_report(entry.id, generated_at=entry.entered_at)
    assert again == report.render_report(entry.id, generated_at=entry.entered_at)


def test_a_calls_reports_go_through_one_batch_with_progress_and_a_zip(
    people: dict[str, Any], call: Any, reviewed: Any
) -> None:
    first, second = reviewed(0, "pass", "60"), reviewed(1, "pass", "50")
    started = batch.start_review_batch(people["users"]["finance1"], call)
    db.session.commit()
    db.session.info.pop("outbox_committed", None)  # run the steps here, as the worker would
    while steps := list(
        db.session.scalars(
            select(OutboxJob).where(OutboxJob.job == batches.JOB, OutboxJob.state == OutboxState.PENDING)
        )
    ):
        for step in steps:
            jobs.execute(step.id)
    db.session.expire_all()
    done = db.session.get_one(ReportBatch, started.id)
    assert (done.kind, done.state, done.done_count, done.total) == ("review", BatchState.DONE, 2, 2)
    _batch, stream = batches.open_zip(people["users"]["finance1"], done.id)
    with stream, zipfile.ZipFile(io.BytesIO(stream.read())) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert sorted(pdfs) == sorted(report.file_name(e) for e in (first, second))
        assert all(archive.read(n).startswith(b"%PDF") for n in pdfs)


def test_the_ranked_list_runs_the_same_statements_for_one_and_three_entries_of_two_units(
    app: Any, client: Any, login: Any, people: dict[str, Any], call: Any, reviewed: Any, other_unit: Any
) -> None:
    from sqlalchemy import event

    from tests.calls.conftest import files_for
    from tests.review_library.conftest import review_to_use
    from zerolegwork.calls import applications

    reviewed(0, "pass", "60")
    login("finance1")

    def statements() -> tuple[int, int]:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with app.app_context():
                resp = client.get(f"/calls/{call.id}/library")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert resp.status_code == 200
        return len(seen), resp.get_data(as_text=True).count('data-testid="library-row"')

    few, rows = statements()
    assert rows == 1
    reviewed(1, "pass_after_revision", "40")
    other = applications.apply(other_unit["user"], call.id, other_unit["project"].id, files_for(call))
    db.session.commit()
    review_to_use(people, call, other, "fail", "")
    many, rows = statements()
    assert rows == 3
    assert few == many, (few, many)
    for username, own in (("unit1", 2), ("other_unit", 1)):  # a unit sees its own entries only
        login(username)
        page = client.get(f"/calls/{call.id}/library").get_data(as_text=True)
        assert page.count('data-testid="library-row"') == own, username
        assert 'data-testid="arrange-form"' not in page and 'data-testid="arrange"' not in page  # no empty form
