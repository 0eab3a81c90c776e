"""项目级次 (who manages a project) and 项目地区 (where it is) are two fields (issue 13 item 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.orgs.test_setup import PROVINCE, setup
from tests.projects_io.support import row, workbook
from zerolegwork.extensions import db
from zerolegwork.orgs import services as orgs
from zerolegwork.orgs.models import Region
from zerolegwork.projects import library, registry, transfer
from zerolegwork.projects import services as projects
from zerolegwork.projects.errors import ProjectFormError
from zerolegwork.projects.levels import managing_region, region_map
from zerolegwork.projects.models import Project
from zerolegwork.reports.fixed import tables


def region(name: str) -> Region:
    found = orgs.region_by_name(name)
    assert found is not None
    return found


def rows_of(table: tables.Table) -> dict[str, tuple[str, ...]]:
    return {row.cells()[1]: tuple(row.cells()[2:4]) for row in table.rows}


def form(**over: str) -> dict[str, str]:
    values = {
        "name": "东河区境内的市本级道路工程",
        "region_id": str(region("东河区").id),
        "level": "city",
        "competent_department_id": str(orgs.org_by_code("housing").id),  # type: ignore[union-attr]
        "investment_policy": "一般公共预算",
        "industry_type": "交通运输",
        "category": "市政道路",
        "construction_mode": "新建",
        "investment_mode": "直接投资",
        "management_status": "储备",
        "planned_investment": "500.0000",
        "start_year": "2026",
        "end_year": "2027",
    }
    values.update(over)
    return values


def test_a_city_level_project_located_in_a_district_is_registered_with_both(app, people):
    unit = people["users"]["unit1"]
    project = registry.register_project(unit, form())
    db.session.commit()
    assert (project.level, project.region.name) == ("city", "东河区")


def test_without_a_level_the_project_takes_its_regions(app, people):
    unit = people["users"]["unit1"]
    project = registry.register_project(unit, form(level=""))
    assert project.level == "district"


def test_a_district_level_project_cannot_be_located_at_the_city_itself(app, people):
    unit = people["users"]["unit1"]
    with pytest.raises(ProjectFormError) as caught:
        registry.register_project(unit, form(region_id=str(region("市本级").id), level="district"))
    assert "不能位于市本级" in caught.value.errors["level"]
    with pytest.raises(ProjectFormError) as caught:
        registry.register_project(unit, form(level="moon"))
    assert "level" in caught.value.errors
    with pytest.raises(ValueError):
        projects.create_project(None, "错", unit.org_id, "市本级", "市政道路", Decimal("1"), level="district")


def test_the_regional_table_counts_a_project_where_it_is_managed_and_filters_find_it_where_it_is(app, people):
    before = rows_of(tables.regional_table(None))
    unit = people["users"]["unit1"]
    project = projects.create_project(
        None, "东河区境内市本级项目", unit.org_id, "东河区", "市政道路", Decimal("700.0000"), level="city"
    )
    db.session.commit()
    after = rows_of(tables.regional_table(None))
    assert int(after["市本级"][0]) == int(before["市本级"][0]) + 1
    assert after["东河区"] == before["东河区"]
    assert int(after["汇总"][0]) == int(before["汇总"][0]) + 1

    finance1 = people["users"]["finance1"]
    located = library.filtered(finance1, library.ProjectQuery.from_args({"region_id": str(region("东河区").id)}))
    assert project.id in {p.id for p in db.session.scalars(located)}
    # the table's 东河区 row links to the district's own projects: the same number as the row
    table = tables.regional_table(None)
    donghe = next(r for r in table.rows if r.cells()[1] == "东河区")
    linked = db.session.scalars(library.filtered(finance1, library.ProjectQuery.from_args(donghe.args))).all()
    assert len(linked) == int(donghe.cells()[2]) and project.id not in {p.id for p in linked}


def test_a_district_department_sees_a_city_project_in_its_district_only_when_shared(app, people):
    unit = people["users"]["unit1"]
    project = projects.create_project(
        None, "东河区境内市本级项目", unit.org_id, "东河区", "市政道路", Decimal("700.0000"), level="city"
    )
    db.session.commit()
    donghe = orgs.create_user(
        "donghe_reader", "东河区财政局 审查员", "Zlw-Demo-2026!", orgs.org_by_code("150202_finance")
    )
    db.session.commit()

    def visible() -> set[int]:
        return {p.id for p in db.session.scalars(library.filtered(donghe, library.ProjectQuery()))}

    assert project.id not in visible()
    projects.share_with_district(people["users"]["finance1"], project.id, region("东河区").id)
    db.session.commit()
    assert project.id in visible()


def test_the_import_takes_a_city_level_project_located_in_a_district(app, people):
    report = transfer.import_projects(
        workbook([row(1, **{"项目级次": "市本级", "项目地区": "东河区"}), row(2, **{"项目级次": "旗县区"})])
    )
    assert report.ok, report.errors
    city = db.session.scalars(select(Project).where(Project.name == "昆区道路改造工程1")).one()
    assert (city.level, city.region.name) == ("city", "东河区")
    refused = transfer.import_projects(workbook([row(3, **{"项目级次": "旗县区", "项目地区": "市本级"})]))
    assert not refused.ok
    assert [(p.column, p.message) for p in refused.errors] == [("项目级次", "旗县区项目不能位于市本级。")]


def test_in_a_province_a_province_level_project_located_in_a_district_counts_under_the_province(any_app):
    result = setup(any_app, PROVINCE)
    assert result.exit_code == 0, result.output
    unit = orgs.org_by_code("platform")
    assert unit is not None
    projects.create_project(
        None, "东河区境内自治区本级项目", unit.id, "东河区", "市政道路", Decimal("90"), level="province"
    )
    projects.create_project(None, "东河区境内包头市本级项目", unit.id, "东河区", "市政道路", Decimal("9"), level="city")
    projects.create_project(None, "东河区项目", unit.id, "东河区", "市政道路", Decimal("1"))
    db.session.commit()
    province = rows_of(tables.regional_table(None))
    assert province["自治区本级"] == ("1", "90.0000")
    assert province["包头市"] == ("2", "10.0000")
    regions = region_map()
    donghe = region("东河区").id
    assert managing_region(donghe, "city", regions) == region("包头市").id
    assert managing_region(donghe, "district", regions) == donghe


def test_a_citys_own_row_inside_a_province_links_to_exactly_its_projects(any_app):
    from zerolegwork.orgs.models import User
    from zerolegwork.reports.fixed import regions

    result = setup(any_app, PROVINCE)
    assert result.exit_code == 0, result.output
    unit = orgs.org_by_code("platform")
    assert unit is not None
    located = {
        "东河区境内自治区本级项目": "province",
        "东河区境内包头市本级项目": "city",
        "包头市本级项目": "city",
        "东河区项目": "district",
    }
    for name, level in located.items():
        where = "包头市" if name == "包头市本级项目" else "东河区"
        projects.create_project(None, name, unit.id, where, "市政道路", Decimal("1"), level=level)
    db.session.commit()
    top, nodes = regions.build_tree(
        (r.id, r.name, r.level, r.parent_id, None) for r in sorted(region_map().values(), key=lambda r: r.sort_order)
    )
    city = nodes[region("包头市").id]
    own = regions.layout(city, top).own_args
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    found = db.session.scalars(library.filtered(admin, library.ProjectQuery.from_args(own))).all()
    assert sorted(p.name for p in found) == ["东河区境内包头市本级项目", "包头市本级项目"]
