"""The draw: avoidance with reasons, the same seed and pool give the same panel, re-runs and replacements."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.experts.conftest import org
from zerolegwork.experts import draw, panels
from zerolegwork.experts.errors import DrawShortfallError
from zerolegwork.experts.models import DrawRecord, MemberState
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import Expert


def seats(panel):
    return sorted((m.expert_id, m.specialty) for m in panel.active_members)


def excluded(panel) -> dict[int, list[str]]:
    record = panels.record_of(panel)
    return {e["expert_id"]: e["reasons"] for e in record.exclusions}


def test_the_same_seed_and_pool_give_the_same_panel(any_app, subject, pool, draw_panel):
    panel = draw_panel(seed="abc")
    candidates, _ = draw.candidates_and_exclusions(
        panel.mix, panel.region_id, subject["unit"], subject["department"], panel.id
    )
    again = sorted((s.expert_id, s.specialty) for s in draw.choose("abc", panel.mix, candidates))
    assert again == seats(panel)
    assert len(panel.active_members) == 3
    assert sorted(m.specialty for m in panel.members) == ["结构", "造价", "造价"]
    others = {tuple(sorted(s.expert_id for s in draw.choose(f"seed{i}", panel.mix, candidates))) for i in range(10)}
    assert len(others) > 1  # the seed matters


def test_the_record_keeps_seed_mix_candidates_in_id_order_and_who_drew(any_app, subject, pool, draw_panel):
    panel = draw_panel(seed="s-42")
    record = db.session.scalars(select(DrawRecord).where(DrawRecord.panel_id == panel.id)).one()
    assert record.seed == "s-42" and record.mix == {"造价": 2, "结构": 1}
    ids = [c["expert_id"] for c in record.candidates]
    assert ids == sorted(ids) and len(ids) == 12
    assert record.drawn_by_id == subject["drawer"].id and record.drawn_at is not None
    assert [c["expert_id"] for c in record.chosen] == [m.expert_id for m in panel.members]


def test_a_fresh_draw_takes_its_seed_from_secrets(any_app, subject, pool, draw_panel):
    one, two = (
        draw_panel(seed=None),
        draw_panel(seed=None, unit_id=org("unit_demo2").id if False else subject["unit"].id),
    )
    assert len(panels.record_of(one).seed) == 32 and panels.record_of(one).seed != panels.record_of(two).seed


@pytest.mark.parametrize("rule", ["unit_employer", "department_employer", "unit_user", "conflict_name", "conflict_id"])
def test_every_avoidance_rule_excludes_the_conflicted_expert(any_app, subject, add_expert, draw_panel, rule):
    clean = [add_expert(f"干净专家{i}", "回避测试") for i in range(2)]
    unit, dept = subject["unit"], subject["department"]
    if rule == "unit_employer":
        bad = add_expert("本单位专家", "回避测试", employer=unit.name)
        reason = "申报单位"
    elif rule == "department_employer":
        bad = add_expert("主管部门专家", "回避测试", employer=dept.name)
        reason = "主管部门"
    elif rule == "unit_user":
        bad = add_expert("账号在本单位", "回避测试", employer="另一个名字的单位")
        bad.user_id = orgs.create_user("expert_in_unit", "专家", "Zlw-Test-2026!x", unit).id
        db.session.commit()
        reason = "申报单位"
    elif rule == "conflict_name":
        bad = add_expert("声明冲突专家", "回避测试", conflicts=unit.name)
        reason = "利害关系"
    else:
        bad = add_expert("声明冲突专家", "回避测试", conflicts=str(dept.id))
        reason = "利害关系"
    panel = draw_panel({"回避测试": 2})
    assert bad.id not in {m.expert_id for m in panel.members}
    assert sorted(m.expert_id for m in panel.members) == sorted(e.id for e in clean)
    assert any(reason in r for r in excluded(panel)[bad.id])
    with pytest.raises(DrawShortfallError):
        draw_panel({"回避测试": 3}, unit_id=org("unit_demo").id if False else unit.id)


def test_an_expert_of_the_previous_panel_of_the_same_unit_is_excluded(any_app, subject, add_expert, draw_panel):
    experts = [add_expert(f"连续专家{i}", "连续") for i in range(4)]
    first = draw_panel({"连续": 2})
    second = draw_panel({"连续": 2})
    assert not {m.expert_id for m in first.members} & {m.expert_id for m in second.members}
    for member in first.members:
        assert any("上一次" in r for r in excluded(second)[member.expert_id])
    assert {m.expert_id for m in second.members} == {e.id for e in experts} - {m.expert_id for m in first.members}


def test_too_few_candidates_is_a_clear_chinese_error_naming_the_specialty_and_the_shortfall(
    any_app, subject, pool, draw_panel
):
    with pytest.raises(DrawShortfallError) as caught:
        draw_panel({"造价": 3, "结构": 9})
    message = str(caught.value)
    assert "结构" in message and "9" in message and "缺" in message
    assert caught.value.needed == 9 and caught.value.available < 9


def test_rerun_after_the_pool_changed_gives_the_same_panel(any_app, subject, pool, add_expert, draw_panel):
    panel = draw_panel(seed="pool-change")
    before = seats(panel)
    for member in panel.members:
        member.expert.available = False
        member.expert.specialties = ["别的专业"]
    db.session.delete(
        db.session.get(Expert, next(e.id for e in pool if e.id not in {m.expert_id for m in panel.members}))
    )
    for i in range(5):
        add_expert(f"新专家{i}", "造价,结构")
    db.session.commit()
    recomputed = sorted((s.expert_id, s.specialty) for s in panels.rerun(panels.record_of(panel)))
    assert recomputed == before
    assert panels.rerun_matches(panel)


def test_a_declined_expert_is_replaced_by_the_next_draw_reproducibly(any_app, subject, pool, draw_panel):
    panel = draw_panel(seed="decline")
    record = panels.record_of(panel)
    first = panel.members[0]
    replacement = panels.decline(subject["drawer"], first, "出差")
    db.session.commit()
    assert replacement is not None and replacement.specialty == first.specialty
    assert first.state == MemberState.DECLINED and first.replaced_by_id == replacement.id
    expected = draw.next_for("decline", first.specialty, record.candidates, [s["expert_id"] for s in record.chosen])
    assert replacement.expert_id == expected
    assert record.replacements[0]["declined"] == first.expert_id
    assert record.replacements[0]["replacement"] == replacement.expert_id
    # the pool changes; the re-run from the record still gives the panel with its replacement
    for e in pool:
        e.available = False
    db.session.commit()
    assert panels.rerun_matches(panel)
    second = panels.decline(subject["drawer"], replacement, "生病")
    db.session.commit()
    assert second is not None and second.expert_id not in {first.expert_id, replacement.expert_id}
    assert panels.rerun_matches(panel)


def test_a_decline_with_nobody_left_keeps_the_decline_and_names_no_replacement(
    any_app, subject, add_expert, draw_panel
):
    for i in range(2):
        add_expert(f"唯二专家{i}", "稀缺")
    panel = draw_panel({"稀缺": 2})
    assert panels.decline(subject["drawer"], panel.members[0], "") is None
    db.session.commit()
    assert len(panel.active_members) == 1
    assert panels.record_of(panel).replacements[0]["replacement"] is None
    assert panels.rerun_matches(panel)


def test_the_mix_is_read_from_text_with_clear_errors(app):
    assert panels.parse_mix("造价:2，结构：1、水利 3") == {"造价": 2, "结构": 1, "水利": 3}
    for bad in ("", "造价", "造价:0", "造价:99", "造价:1,造价:2"):
        with pytest.raises(ValueError):
            panels.parse_mix(bad)
