"""Issue 13's acceptance: a city set up from its file imports its own 1,300-row library and prints its table."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tests.conftest import ROOT
from tests.projects_io.support import workbook
from zerolegwork.extensions import db
from zerolegwork.orgs import provision, setupfile
from zerolegwork.reports.fixed import tables

CITY = ROOT / "docs" / "examples" / "city.yaml"
DISTRICTS = ["东河区", "青山区", "昆区", "九原区", "开发区", "土右旗", "石拐区", "固阳县", "白云矿区", "达茂旗"]
CATEGORIES = ["市政道路", "交通运输", "教育", "房屋建筑"]  # 交通运输 is mapped, 教育 added, the others known
CITY_DEPARTMENTS = ["包头市发展和改革委员会", "发展和改革委员会", "发改委", "住房和城乡建设局", "包头市教育局"]
DISTRICT_DEPARTMENTS = ["{d}财政局", "财政局", "发改委", "{d}发展和改革委员会"]
HEADERS = ["项目名称", "项目单位", "项目级次", "项目地区", "项目类别", "主管单位", "计划总投资", "累计投资", "建设年限"]


def library(n: int) -> tuple[list[dict[str, object]], dict[str, list[Decimal]]]:
    """The bureau's rows and, per regional-table line, [count, planned, cumulative] as the sheet sums them."""
    rows: list[dict[str, object]] = []
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for i in range(n):
        planned = Decimal(1000 + i) + Decimal("0.2500")
        cumulative = Decimal(i % 700) + Decimal("0.1250")
        district = DISTRICTS[i % len(DISTRICTS)]
        if i % 4 == 0:  # a city project at the city
            level, region, department, lines = "市本级", "包头市", CITY_DEPARTMENTS[i % 5], ["市本级"]
        elif i % 4 == 1:  # a city project located in a district counts under 市本级
            level, region, department, lines = "市本级", district, CITY_DEPARTMENTS[i % 5], ["市本级"]
        else:
            department = DISTRICT_DEPARTMENTS[i % 4].format(d=district)
            level, region, lines = "旗县区", district, ["旗县汇总", district]
        rows.append(
            {
                "项目名称": f"{region}第{i}号工程",
                "项目单位": f"包头市第{i % 90}建设公司",
                "项目级次": level,
                "项目地区": region,
                "项目类别": CATEGORIES[i % len(CATEGORIES)],
                "主管单位": department,
                "计划总投资": str(planned),
                "累计投资": str(cumulative),
                "建设年限": "2026-2028",
            }
        )
        for line in ["汇总", *lines]:
            sums[line][0] += 1
            sums[line][1] += planned
            sums[line][2] += cumulative
    return rows, sums


def test_a_city_set_up_from_its_file_imports_its_own_sheet_and_its_table_equals_the_sheet(any_app, tmp_path):
    provision.apply(setupfile.read_spec(CITY.read_bytes()), password="Zlw-Setup-2026!", source=CITY.read_bytes())
    db.session.commit()
    rows, sums = library(1300)
    path = tmp_path / "项目库.xlsx"
    path.write_bytes(workbook(rows, HEADERS))
    runner = any_app.test_cli_runner()

    first = runner.invoke(args=["zlw", "import", "projects", str(path)])
    assert first.exit_code == 1, first.output
    assert "项目类别：" in first.output
    assert "交通运输（325 行）" in first.output and "教育（325 行）" in first.output
    assert first.output.count("交通运输（") == 1  # each distinct value once
    assert tables.regional_table(None).rows[0].count == 0  # nothing imported

    options = ["--map", "项目类别=交通运输:市政道路", "--add-missing", "项目类别"]
    second = runner.invoke(args=["zlw", "import", "projects", str(path), *options])
    assert second.exit_code == 0, second.output
    assert "导入 1300 个项目" in second.output or "1300" in second.output

    table = tables.regional_table(None)
    assert [row.label for row in table.rows][:3] == ["汇总", "市本级", "旗县汇总"]
    for row in table.rows:
        count, planned, cumulative = sums.get(row.label, [0, Decimal(0), Decimal(0)])
        assert (row.label, row.count, row.planned, row.cumulative) == (row.label, count, planned, cumulative)
    assert sum(row.count for row in table.rows[3:]) == sums["旗县汇总"][0]
