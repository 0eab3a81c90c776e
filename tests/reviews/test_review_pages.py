"""The review pages: who may open them (404 for everyone else), the batch form, statements per page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import event, select

from tests.reviews.conftest import started
from zerolegwork.calls import applications
from zerolegwork.extensions import db
from zerolegwork.projects import services as projects
from zerolegwork.reviews.models import ReviewCase


def test_the_issuer_chooses_a_batch_on_the_page_and_each_becomes_a_review(
    client: Any, login: Any, people: dict[str, Any], call: Any, apply: Any
) -> None:
    first, second = apply(0), apply(1)
    login("finance1")
    page = client.get(f"/calls/{call.id}/reviews").get_data(as_text=True)
    assert page.count('data-testid="choose-application"') == 2
    assert "确定项目" in page
    resp = client.post(
        f"/calls/{call.id}/reviews",
        data={"application_id": [str(first.id), str(second.id)], "decision": "review", "opinion": "<script>x</script>"},
    )
    assert resp.status_code == 302
    cases = list(db.session.scalars(select(ReviewCase).order_by(ReviewCase.id)))
    assert [c.application_id for c in cases] == [first.id, second.id]
    page = client.get(f"/calls/{call.id}/reviews").get_data(as_text=True)
    assert page.count('data-testid="review-step"') == 2 and "接收评审" in page
    case_page = client.get(f"/reviews/{cases[0].id}").get_data(as_text=True)
    assert case_page.count('data-testid="case-step"') == 11
    assert 'data-status="done"' in case_page and 'data-status="current"' in case_page


def test_a_crafted_batch_is_refused_with_a_message_and_starts_nothing(
    client: Any, login: Any, people: dict[str, Any], call: Any, apply: Any
) -> None:
    apply(0)
    login("finance1")
    for data in (
        {"application_id": ["abc"]},
        {"application_id": ["999999"]},
        {},
        {"application_id": ["1"], "decision": "x"},
    ):
        resp = client.post(f"/calls/{call.id}/reviews", data=data, follow_redirects=True)
        assert resp.status_code == 200
        assert "alert-danger" in resp.get_data(as_text=True)
    assert db.session.scalars(select(ReviewCase)).first() is None


def test_nobody_but_the_issuer_centre_and_applicant_sees_a_review(
    client: Any, login: Any, people: dict[str, Any], call: Any, apply: Any
) -> None:
    application = apply(0)
    case = started(people["users"]["finance1"], call, application)
    for outsider in ("ndrc1", "agency1", "admin"):
        login(outsider)
        assert client.get(f"/calls/{call.id}/reviews").status_code == 404, outsider
        assert (
            client.post(f"/calls/{call.id}/reviews", data={"application_id": [str(application.id)]}).status_code == 404
        )
        assert client.get(f"/reviews/{case.id}").status_code == 404, outsider
    login("unit1")  # the applicant sees its review's steps, not the review list of the call
    assert client.get(f"/calls/{call.id}/reviews").status_code == 404
    page = client.get(f"/reviews/{case.id}").get_data(as_text=True)
    assert 'data-testid="case-steps"' in page and 'data-testid="case-plan"' not in page
    login("finance1")
    assert client.get(f"/reviews/{case.id + 1000}").status_code == 404


def test_the_review_page_runs_the_same_statements_for_3_and_25_reviews(
    app: Any, client: Any, login: Any, people: dict[str, Any], call: Any
) -> None:
    from zerolegwork.reviews.services import start_reviews

    unit = people["users"]["unit1"]
    finance = people["users"]["finance1"]
    login("finance1")

    def add(n: int, offset: int) -> None:
        ids = []
        for i in range(n):
            project = projects.create_project(
                None, f"奖补项目{offset + i}", unit.org_id, "昆区", "市政道路", Decimal("10")
            )
            ids.append(applications.apply(unit, call.id, project.id, _files(call)).id)
        db.session.commit()
        start_reviews(finance, call, ids, "review", "")
        db.session.commit()

    def statements() -> tuple[int, int]:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with app.app_context():
                resp = client.get(f"/calls/{call.id}/reviews?q=奖补")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert resp.status_code == 200
        return len(seen), resp.get_data(as_text=True).count('data-testid="review-row"')

    add(3, 0)
    few, rows = statements()
    assert rows == 3
    add(22, 3)
    many, rows = statements()
    assert rows == 20
    assert few == many, (few, many)
    assert few <= 10, few


def _files(call: Any) -> Any:
    from tests.calls.conftest import files_for

    return files_for(call)


def test_a_review_step_shows_the_panel_progress_and_the_unit_sees_the_questions(
    client: Any, login: Any, people: dict[str, Any], call: Any, apply: Any
) -> None:
    from tests.reviews.conftest import PLAN, finish, ready, score_all

    case = started(people["users"]["finance1"], call, apply(0))
    finish(case, "accept_review", {"decision": "accept", "opinion": "齐全"})
    finish(case, "make_plan", {**PLAN, "site_survey": ""})
    finish(case, "form_panel", {"confirm_draw": "1"})
    score_all(
        case,
        people["users"]["admin"],
        [{f"score_{k}": "15" for k in ("compliance", "necessity", "feasibility", "budget", "performance")}],
    )
    login("finance1")
    page = client.get(f"/tasks/{ready(case, 'material_review').id}").get_data(as_text=True)
    assert 'data-testid="step-summary"' in page and "1 / 3" in page and f"/reviews/{case.id}" in page
    finish_all = {f"score_{k}": "15" for k in ("compliance", "necessity", "feasibility", "budget", "performance")}
    score_all(case, people["users"]["admin"], [finish_all, finish_all, finish_all])
    finish(case, "material_review", {"note": ""})
    finish(
        case,
        "presentation",
        {"session_date": "2026-09-01", "place": "会议室", "minutes": "纪要", "questions": "请说明<b>资金</b>来源"},
    )
    login("unit1")
    page = client.get(f"/tasks/{ready(case, 'defence').id}").get_data(as_text=True)
    assert "请说明&lt;b&gt;资金&lt;/b&gt;来源" in page  # the experts' questions, escaped
    assert "/ 3" not in page and "/panels/" not in page  # the unit sees neither the panel nor its progress
