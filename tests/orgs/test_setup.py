"""`flask zlw setup FILE`: the region tree, departments and first administrator from a file, differences only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT
from zerolegwork import demo
from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import Organisation, Region, User
from zerolegwork.projects import services as projects
from zerolegwork.reports.fixed import tables

CITY = ROOT / "docs" / "examples" / "city.yaml"
PROVINCE = ROOT / "docs" / "examples" / "province.yaml"
PASSWORD = "Zlw-Setup-2026!"
SEED_LABELS = ["汇总", "市本级", "旗县汇总", "东河区", "青山区", "昆区", "九原区", "开发区", "土右旗", "石拐区",
               "固阳县", "白云矿区", "达茂旗"]  # fmt: skip


def setup(app, path: Path, password: str | None = PASSWORD, *options: str):  # type: ignore[no-untyped-def]
    entered = f"{password}\n{password}\n" if password else None
    return app.test_cli_runner().invoke(args=["zlw", "setup", str(path), *options], input=entered)


def snapshot() -> tuple[object, ...]:
    """Everything a set-up writes, to compare before and after."""
    regions = db.session.execute(
        select(Region.code, Region.name, Region.level, Region.parent_id, Region.sort_order, Region.area_name)
    ).all()
    organisations = db.session.execute(select(Organisation.code, Organisation.name, Organisation.region_id)).all()
    users = db.session.scalars(select(User.username)).all()
    return sorted(regions), sorted(organisations), sorted(users)


def setup_events() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action.like("setup.%"))) or 0


def edited(tmp_path: Path, source: Path, *replacements: tuple[str, str]) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


def labels(table: tables.Table) -> list[str]:
    return [row.label for row in table.rows]


def test_the_example_city_sets_up_regions_departments_and_the_administrator(any_app):
    result = setup(any_app, CITY)
    assert result.exit_code == 0, result.output
    assert "新增地区 包头市（150200）" in result.output
    assert "新增部门 包头市交通运输局（transport）" in result.output
    assert "新增部门 达茂旗财政局（150223_finance）" in result.output
    assert "新增平台管理员 admin" in result.output
    assert PASSWORD not in result.output
    city = orgs.region_by_name("市本级")
    assert (city.code, city.level, city.area_name) == ("150200", "city", "包头市")
    districts = db.session.scalars(select(Region).where(Region.parent_id == city.id).order_by(Region.sort_order))
    assert [r.name for r in districts] == SEED_LABELS[3:]
    departments = db.session.scalars(select(Organisation.name).where(Organisation.region_id == city.id)).all()
    assert {"包头市发展和改革委员会", "包头市财政局", "包头市水务局", "包头市农牧局"} <= set(departments)
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    assert admin.is_admin and admin.is_region_admin and admin.org.code == "platform"
    assert PASSWORD not in admin.password_hash
    handler_post = orgs.org_by_code("150202_ndrc")
    from zerolegwork.orgs import structure

    assert [p.name for p in structure.chain(handler_post, "verification")] == ["经办岗", "科长岗"]


def test_setting_up_twice_changes_nothing_the_second_time(any_app):
    assert setup(any_app, CITY).exit_code == 0
    before, events = snapshot(), setup_events()
    result = setup(any_app, CITY, None)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "无需更改：数据库已与 city.yaml 一致。"
    assert snapshot() == before
    assert setup_events() == events


def test_a_city_set_up_from_its_file_prints_the_seeds_regional_table(any_app):
    setup(any_app, CITY)
    table = tables.regional_table(None)
    assert labels(table) == SEED_LABELS
    assert table.area == "包头市"
    assert [row.number for row in table.rows] == ["", "", ""] + [str(i) for i in range(1, 11)]


def test_a_changed_file_applies_only_the_difference_and_says_what(any_app, tmp_path):
    assert setup(any_app, CITY).exit_code == 0
    events = setup_events()
    changed = edited(
        tmp_path,
        CITY,
        ('{code: "150203", name: 昆区, parent: "150200"}', '{code: "150203", name: 昆都仑区, parent: "150200"}'),
        ('  - {code: "150223", name: 达茂旗, parent: "150200"}\n',
         '  - {code: "150223", name: 达茂旗, parent: "150200"}\n  - {code: "150299", name: 新区, parent: "150200"}\n'),
        ("    - {type: audit, name: 审计局}\n", ""),
    )  # fmt: skip
    result = setup(any_app, changed, None)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "删除部门 包头市审计局",
        "修改地区 昆都仑区（150203）：地区名称",
        "新增地区 新区（150299）",
        "部门 昆区财政局 更名为 昆都仑区财政局",
        "部门 昆区发展和改革委员会 更名为 昆都仑区发展和改革委员会",
        "新增部门 新区财政局（150299_finance）",
        "新增部门 新区发展和改革委员会（150299_ndrc）",
        "已应用 7 处更改。",
    ]
    assert labels(tables.regional_table(None))[5] == "昆都仑区"
    assert labels(tables.regional_table(None))[-1] == "新区"
    assert setup_events() == events + 8  # seven changes and the apply event naming the file's hash
    applied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "setup.apply").order_by(AuditEvent.id))
    assert len(list(applied)[-1].detail["changes"]) == 7
    assert setup(any_app, changed, None).output.startswith("无需更改")


def test_a_dry_run_says_what_would_change_and_changes_nothing(app, tmp_path):
    result = setup(app, CITY, None, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "新增平台管理员 admin" in result.output
    assert "未做任何更改（--dry-run）" in result.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_the_seed_and_the_city_file_agree_so_setup_only_adds_the_departments_the_seed_lacks(app):
    demo.seed()
    db.session.commit()
    result = setup(app, CITY, None)
    assert result.exit_code == 0, result.output
    added = [line for line in result.output.splitlines() if not line.startswith("已应用")]
    assert added == [
        f"新增部门 包头市{name}（{code}）"
        for code, name in [
            ("transport", "交通运输局"),
            ("education", "教育局"),
            ("health", "卫生健康委员会"),
            ("agriculture", "农牧局"),
            ("water", "水务局"),
            ("natural_resources", "自然资源局"),
            ("audit", "审计局"),
        ]
    ]


def _project(name: str, region: str, planned: str) -> None:
    unit = orgs.org_by_code("platform")
    projects.create_project(None, name, unit.id, region, "市政道路", Decimal(planned), start_year=2026)


def test_the_province_example_rolls_up_at_each_level(any_app):
    result = setup(any_app, PROVINCE)
    assert result.exit_code == 0, result.output
    _project("自治区本级项目", "自治区本级", "1000.0000")
    _project("包头市本级项目", "包头市", "200.0000")
    _project("东河区项目", "东河区", "30.0000")
    _project("达茂旗项目", "达茂旗", "4.0000")
    _project("新城区项目", "新城区", "50.0000")
    db.session.commit()
    province = tables.regional_table(None)
    assert province.area == "内蒙古自治区"
    assert [tuple(row.cells()[:4]) for row in province.rows] == [
        ("", "汇总", "5", "1,284.0000"),
        ("", "自治区本级", "1", "1,000.0000"),
        ("", "盟市汇总", "4", "284.0000"),
        ("1", "呼和浩特市", "1", "50.0000"),
        ("2", "包头市", "3", "234.0000"),
        ("3", "乌海市", "0", "0.0000"),
    ]
    baotou = orgs.create_user("baotou_finance", "包头市财政局 审查员", PASSWORD, orgs.org_by_code("150200_finance"))
    db.session.commit()
    city = tables.regional_table(baotou)
    assert city.area == "包头市"
    rows = [tuple(row.cells()[:4]) for row in city.rows]
    assert rows[:4] == [
        ("", "汇总", "3", "234.0000"),
        ("", "市本级", "1", "200.0000"),
        ("", "旗县汇总", "2", "34.0000"),
        ("1", "东河区", "1", "30.0000"),
    ]
    assert rows[-1] == ("10", "达茂旗", "1", "4.0000")
    district = orgs.create_user("donghe_finance", "东河区财政局 审查员", PASSWORD, orgs.org_by_code("150202_finance"))
    db.session.commit()
    assert tables.regional_table(district).area == "东河区"
    assert labels(tables.regional_table(district))[:3] == ["汇总", "市本级", "旗县汇总"]


BAD_FILES = [
    (
        "unknown key",
        ("  - {code: \"150202\", name: 东河区, parent: \"150200\"}", "  - {code: \"150202\", name: 东河区, parent: \"150200\", colour: red}"),
        "第 9 行，regions[2].colour：未知的键",
    ),
    (
        "duplicate code",
        ('{code: "150204", name: 青山区', '{code: "150202", name: 青山区'),
        "第 10 行，regions[3].code：代码 150202 已在第 9 行使用。",
    ),
    (
        "parent that does not exist",
        ('{code: "150204", name: 青山区, parent: "150200"}', '{code: "150204", name: 青山区, parent: "150900"}'),
        "第 10 行，regions[3].parent：本文件中没有代码为 150900 的地区。",
    ),
    (
        "department at a level that does not exist",
        ("  district:\n", "  province:\n    - {type: finance, name: 财政厅}\n  district:\n"),
        "departments.province：本文件中没有层级为 province 的地区。",
    ),
    (
        "chain naming a level the structure lacks",
        ("    verification: [经办, 科长]", "    verification: [经办, 处长]"),
        "structure.chains.verification[2]：不是本结构中的管理层级：处长。",
    ),
    (
        "unknown department key",
        ("    - {type: water, name: 水务局}", "    - {type: water, name: 水务局, head: 张三}"),
        "departments.city[10].head：未知的键",
    ),
    (
        "malformed YAML",
        ('{code: "150207", name: 九原区, parent: "150200"}', '{code: "150207", name: [九原区, parent: "150200"}'),
        "第 12 行：这不是有效的 YAML",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("what", "replacement", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_naming_the_line_and_key_and_changes_nothing(app, tmp_path, what, replacement, message):
    path = edited(tmp_path, CITY, replacement)
    result = setup(app, path)
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "未做任何更改" in result.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0
    assert setup_events() == 0


def test_a_file_that_leaves_out_a_region_with_projects_is_refused_whole(any_app, tmp_path):
    setup(any_app, CITY)
    _project("达茂旗项目", "达茂旗", "4.0000")
    db.session.commit()
    before, events = snapshot(), setup_events()
    path = edited(
        tmp_path,
        CITY,
        ('  - {code: "150223", name: 达茂旗, parent: "150200"}\n', ""),
        ("name: 东河区", "name: 东河新区"),
    )
    result = setup(any_app, path, None)
    assert result.exit_code == 1
    assert "regions（代码 150223）：文件删去了 达茂旗，但该地区有 1 个项目；有项目的地区不能删除。" in result.output
    assert snapshot() == before  # the rename in the same file was not applied either
    assert setup_events() == events


def test_a_region_without_projects_is_removed_with_its_departments(any_app, tmp_path):
    setup(any_app, CITY)
    path = edited(tmp_path, CITY, ('  - {code: "150223", name: 达茂旗, parent: "150200"}\n', ""))
    result = setup(any_app, path, None)
    assert result.exit_code == 0, result.output
    assert "删除地区 达茂旗（150223）" in result.output
    assert "删除部门 达茂旗财政局" in result.output
    assert orgs.region_by_name("达茂旗") is None
    assert orgs.org_by_code("150223_finance") is None
    assert labels(tables.regional_table(None)) == SEED_LABELS[:-1]


def test_reordering_the_file_reorders_the_table(app, tmp_path):
    setup(app, CITY)
    line = '  - {code: "150202", name: 东河区, parent: "150200"}\n'
    path = edited(tmp_path, CITY, (line, ""), ('  - {code: "150223"', line + '  - {code: "150223"'))
    result = setup(app, path, None)
    assert result.exit_code == 0, result.output
    assert labels(tables.regional_table(None))[3:] == [*SEED_LABELS[4:-1], "东河区", "达茂旗"]


def test_a_weak_administrator_password_is_refused_and_nothing_is_written(app):
    result = setup(app, CITY, "short")
    assert result.exit_code == 1
    assert "administrator：" in result.output
    assert "short" not in result.output.replace("Repeat", "")
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_in_a_province_each_level_sees_its_own_part_of_the_tree(any_app):
    from zerolegwork.permissions import project_scope
    from zerolegwork.projects.models import Project

    setup(any_app, PROVINCE)
    for name, region in [("区本级", "自治区本级"), ("包头", "包头市"), ("东河", "东河区"), ("新城", "新城区")]:
        _project(name, region, "1.0000")
    db.session.commit()

    def seen(code: str) -> list[str]:
        user = orgs.create_user(f"u_{code}", code, PASSWORD, orgs.org_by_code(code))
        return sorted(db.session.scalars(select(Project.name).where(project_scope(user))))

    assert seen("finance") == sorted(["区本级", "包头", "东河", "新城"])
    assert seen("150200_finance") == sorted(["包头", "东河"])
    assert seen("150202_finance") == ["东河"]


def test_seed_demo_leaves_an_installation_set_up_from_its_file_alone(app):
    setup(app, CITY)
    before = snapshot()
    result = app.test_cli_runner().invoke(args=["zlw", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert snapshot() == before


def test_new_departments_take_the_files_structure(app, tmp_path):
    from zerolegwork.orgs import structure

    path = edited(
        tmp_path,
        CITY,
        ("  levels: [经办, 科长, 分管领导]", "  levels: [经办, 复核, 科长]"),
        ("    verification: [经办, 科长]", "    verification: [经办, 复核, 科长]"),
    )
    assert setup(app, path).exit_code == 0
    dept = orgs.org_by_code("water")
    assert [p.name for p in structure.chain(dept, "verification")] == ["经办岗", "复核岗", "科长岗"]
    assert [p.name for p in structure.chain(dept, "approval")] == ["经办岗"]
