"""Scores: validation per field, exact aggregation (mean and trimmed), outliers, hidden scores, conclusion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.helpers import run_together
from zerolegwork.experts import panels, scoring, sheets
from zerolegwork.experts.errors import FormError, PanelConcludedError, PanelError
from zerolegwork.experts.models import ScoreSheet
from zerolegwork.extensions import db
from zerolegwork.orgs.models import User

SUBSIDY_KEYS = ("compliance", "necessity", "feasibility", "budget", "performance")


def form_of(*scores: str, **extra: str) -> dict[str, str]:
    return {**{f"score_{k}": s for k, s in zip(SUBSIDY_KEYS, scores, strict=True)}, **extra}


def test_the_shipped_sheets_are_well_formed_and_the_migration_froze_the_same_rows(app):
    from importlib import import_module

    frozen = import_module("zerolegwork.migrations.versions.0016_panels").SHEETS
    assert frozen == sheets.DEFAULT_SHEETS
    for _code, _name, _below, rows in sheets.DEFAULT_SHEETS:
        assert sheets.definition_problems(sheets.criteria_of(rows)) == []
    assert sheets.definition_problems([{"key": "a", "weight": "60", "max_points": "10"}]) == ["weights must sum to 100"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "必填"),
        ("abc", "一位小数"),
        ("8.55", "一位小数"),
        ("1e1", "一位小数"),
        ("NaN", "一位小数"),
        ("Infinity", "一位小数"),
        ("-1", "一位小数"),
        ("８", "一位小数"),
        ("99999999999999999999", "一位小数"),
        ("21", "最高 20 分"),
        ("20.1", "最高 20 分"),
        ("<script>alert(1)</script>", "一位小数"),
        ("1; DROP TABLE score_item", "一位小数"),
    ],
)
def test_a_wrong_score_is_refused_with_a_chinese_message_on_its_field(app, subject, raw, message):
    sheet = next(s for s in sheets.active_sheets() if s.code == "subsidy")
    with pytest.raises(FormError) as caught:
        scoring.parse_scores(sheet, form_of(raw, "20", "25", "20", "15"))
    assert list(caught.value.errors) == ["score_compliance"]
    assert message in caught.value.errors["score_compliance"]


def test_decimal_edges_and_the_comment_threshold(app, subject):
    sheet = next(s for s in sheets.active_sheets() if s.code == "subsidy")
    rows = scoring.parse_scores(sheet, form_of("20.0", "12", "0.0", "20", "15", comment_feasibility="方案不可行"))
    assert rows[0] == ("compliance", Decimal("20.0"), None)
    assert rows[2] == ("feasibility", Decimal("0.0"), "方案不可行")
    with pytest.raises(FormError) as caught:
        scoring.parse_scores(sheet, form_of("11.9", "20", "25", "20", "15"))
    assert "低于 12 分须填写说明" in caught.value.errors["comment_compliance"]
    with pytest.raises(FormError) as caught:
        scoring.parse_scores(sheet, form_of("20", "20", "25", "20", "15", comment_budget="长" * 1001))
    assert "comment_budget" in caught.value.errors


def test_the_mean_equals_a_hand_computation_and_an_outlier_is_flagged(any_app, subject, pool, draw_panel, seat_users):
    panel = draw_panel({"造价": 3})
    users = seat_users(panel)
    # subsidy: weight == max points, so a total is the plain sum
    for user, scores in zip(
        users,
        [("16", "16", "20", "16", "12"), ("17", "17", "21.5", "17", "13"), ("8", "8", "10", "8", "6.3")],
        strict=True,
    ):
        scoring.submit(user, panel, form_of(*scores, **{f"comment_{k}": "偏低" for k in SUBSIDY_KEYS}))
        db.session.commit()
    result = scoring.aggregate(panel)
    assert [m.total for m in result.members] == [Decimal("80.00"), Decimal("85.50"), Decimal("40.30")]
    # (80 + 85.5 + 40.3) / 3 = 68.6
    assert result.score == Decimal("68.60") and result.complete
    # 30 % of 68.6 is 20.58: 40.3 is 28.3 away (flagged), 85.5 is 16.9 away, 80 is 11.4 away
    assert [m.outlier for m in result.members] == [False, False, True]
    assert result.members[2].member.expert_id == panel.active_members[2].expert_id
    assert panel.chair.id == panel.active_members[0].id


def test_the_trimmed_mean_drops_the_highest_and_lowest_of_five_weighted_exactly(
    any_app, subject, pool, draw_panel, seat_users
):
    panel = draw_panel({"造价": 5}, sheet_code="economic", aggregation="trimmed")
    users = seat_users(panel)
    keys = ("necessity", "scheme", "investment", "funding", "benefit")
    cards = [
        ("10", "10", "10", "10", "10"),  # 100
        ("7", "7", "7", "7", "7"),  # 70
        ("8", "9", "7", "6", "10"),  # 1.5*8 + 2.5*9 + 2.5*7 + 1.5*6 + 2*10 = 12+22.5+17.5+9+20 = 81
        ("6", "6", "6", "6", "6.1"),  # 60 + 0.2 = 60.2
        ("9.9", "8.3", "7.7", "8.1", "9.0"),  # 14.85+20.75+19.25+12.15+18 = 85
    ]
    for user, card in zip(users, cards, strict=True):
        form = {f"score_{k}": v for k, v in zip(keys, card, strict=True)}
        form.update({f"comment_{k}": "说明" for k in keys})
        scoring.submit(user, panel, form)
        db.session.commit()
    result = scoring.aggregate(panel)
    assert [m.total for m in result.members] == [Decimal(x) for x in ("100.00", "70.00", "81.00", "60.20", "85.00")]
    assert [m.dropped for m in result.members] == [True, False, False, True, False]
    # (70 + 81 + 85) / 3 = 78.666… → 78.67 half-up, rounded once at the end
    assert result.score == Decimal("78.67")
    assert result.mean == Decimal("79.24")  # 396.2 / 5


def test_a_third_of_a_cent_is_not_rounded_before_the_end(app):
    from fractions import Fraction

    assert scoring.to_cents(Fraction(1, 200)) == Decimal("0.01")  # 0.005 exactly: half-up
    assert scoring.to_cents(Fraction(2, 3)) == Decimal("0.67")
    assert scoring.to_cents(Fraction(1, 3) * 3) == Decimal("1.00")


def test_scores_stay_hidden_until_every_member_has_submitted(any_app, subject, pool, draw_panel, seat_users):
    panel = draw_panel({"造价": 2})
    first, second = seat_users(panel)
    scoring.submit(first, panel, form_of("20", "20", "25", "20", "15"))
    db.session.commit()
    assert not scoring.may_see_all_scores(first, panel)
    assert not scoring.may_see_all_scores(subject["drawer"], panel)
    assert scoring.own_sheet(first, panel) is not None and scoring.own_sheet(second, panel) is None
    scoring.submit(second, panel, form_of("18", "20", "25", "20", "15"))
    db.session.commit()
    assert scoring.may_see_all_scores(first, panel) and scoring.may_see_all_scores(subject["drawer"], panel)
    outsider = db.session.query(User).filter_by(username="unit1").one()
    assert not scoring.may_see_all_scores(outsider, panel)


def test_scoring_needs_the_declaration_and_nothing_changes_after_the_conclusion(
    any_app, subject, pool, draw_panel, seat_users
):
    panel = draw_panel({"造价": 1})
    (user,) = seat_users(panel, declare=False)
    with pytest.raises(PanelError):
        scoring.submit(user, panel, form_of("20", "20", "25", "20", "15"))
    db.session.rollback()
    with pytest.raises(PanelError):
        panels.conclude(subject["drawer"], panel, "通过")
    db.session.rollback()
    panels.declare(user, panel.members[0], {"choice": "no_conflict", "confirm": "1"})
    scoring.submit(user, panel, form_of("20", "20", "25", "20", "15"))
    scoring.submit(user, panel, form_of("19", "20", "25", "20", "15"))  # corrected before the conclusion
    db.session.commit()
    assert scoring.aggregate(panel).score == Decimal("99.00")
    panels.conclude(subject["drawer"], panel, "通过")
    db.session.commit()
    with pytest.raises(PanelConcludedError):
        scoring.submit(user, panel, form_of("10", "20", "25", "20", "15", comment_compliance="改分"))
    db.session.rollback()
    assert scoring.aggregate(panel).score == Decimal("99.00")
    with pytest.raises(PanelConcludedError):
        panels.decline(subject["drawer"], panel.members[0], "晚了")


def test_five_experts_submitting_at_once_all_count(any_app, subject, pool, draw_panel, seat_users):
    panel = draw_panel({"造价": 5})
    users = seat_users(panel)
    panel_id, user_ids = panel.id, [u.id for u in users]

    def submitter(user_id: int, points: str):
        def work():
            from zerolegwork.experts.models import ReviewPanel

            scoring.submit(
                db.session.get(User, user_id),
                db.session.get(ReviewPanel, panel_id),
                form_of(points, "20", "25", "20", "15"),
            )

        return work

    results = run_together(any_app, *(submitter(uid, str(15 + i)) for i, uid in enumerate(user_ids)))
    assert [r for r in results if isinstance(r, Exception)] == []
    db.session.expire_all()
    assert db.session.query(ScoreSheet).filter_by(panel_id=panel_id).count() == 5
    result = scoring.aggregate(db.session.get(type(panel), panel_id))
    assert result.complete and result.score == Decimal("97.00")  # 80 + (15+16+17+18+19)/5


def test_an_expert_not_on_the_panel_cannot_submit(any_app, subject, pool, draw_panel, seat_users):
    panel = draw_panel({"造价": 1})
    other = draw_panel({"结构": 1}, unit_id=subject["unit"].id)
    (outsider,) = seat_users(other)
    with pytest.raises(LookupError):
        scoring.submit(outsider, panel, form_of("20", "20", "25", "20", "15"))


def test_the_same_expert_submitting_twice_at_once_leaves_one_sheet(any_app, subject, pool, draw_panel, seat_users):
    panel = draw_panel({"造价": 1})
    (user,) = seat_users(panel)
    panel_id, user_id = panel.id, user.id

    def submitter(points: str):
        def work():
            from zerolegwork.experts.models import ReviewPanel

            panel = db.session.get(ReviewPanel, panel_id)
            scoring.submit(db.session.get(User, user_id), panel, form_of(points, "20", "25", "20", "15"))

        return work

    results = run_together(any_app, submitter("19"), submitter("18"))
    assert [r for r in results if isinstance(r, Exception)] == []
    db.session.expire_all()
    assert db.session.query(ScoreSheet).filter_by(panel_id=panel_id).count() == 1
    assert scoring.aggregate(db.session.get(type(panel), panel_id)).score in (Decimal("99.00"), Decimal("98.00"))


def test_a_submission_racing_the_conclusion_is_either_before_it_or_refused(
    any_app, subject, pool, draw_panel, seat_users
):
    panel = draw_panel({"造价": 1})
    (user,) = seat_users(panel)
    scoring.submit(user, panel, form_of("19", "20", "25", "20", "15"))
    db.session.commit()
    panel_id, user_id, drawer_id = panel.id, user.id, subject["drawer"].id

    def correct():
        from zerolegwork.experts.models import ReviewPanel

        panel = db.session.get(ReviewPanel, panel_id)
        scoring.submit(
            db.session.get(User, user_id), panel, form_of("10", "20", "25", "20", "15", comment_compliance="改")
        )

    def close():
        from zerolegwork.experts.models import ReviewPanel

        panels.conclude(db.session.get(User, drawer_id), db.session.get(ReviewPanel, panel_id), "通过")

    results = run_together(any_app, correct, close)
    db.session.expire_all()
    panel = db.session.get(type(panel), panel_id)
    assert panel.concluded_at is not None
    if isinstance(results[0], Exception):
        assert isinstance(results[0], PanelConcludedError)
        assert scoring.aggregate(panel).score == Decimal("99.00")
    else:
        assert scoring.aggregate(panel).score == Decimal("90.00")
