"""`flask zlw setup FILE.xlsx`: a workbook (sheets 地区, 部门, 平台) sets up what the YAML file does."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.orgs.test_setup import CITY, setup, snapshot
from zerolegwork.extensions import db
from zerolegwork.orgs.models import Region

LEVEL_WORDS = {"city": "市", "district": "区县"}


def city_workbook(tmp_path: Path, edit=None) -> Path:  # type: ignore[no-untyped-def]
    """The example city's file as a workbook, as an administrator would type it."""
    doc = yaml.safe_load(CITY.read_text(encoding="utf-8"))
    book = Workbook()
    regions = book.active
    regions.title = "地区"
    regions.append(["代码", "名称", "上级代码", "层级", "本级名称"])
    for r in doc["regions"]:
        level = LEVEL_WORDS.get(r.get("level", ""))
        regions.append([r["code"], r["name"], r.get("parent"), level, r.get("own_name")])
    departments = book.create_sheet("部门")
    departments.append(["层级", "类型", "名称"])
    for level, items in doc["departments"].items():
        for item in items:
            departments.append([LEVEL_WORDS[level], item["type"], item["name"]])
    platform = book.create_sheet("平台")
    for key, value in [
        ("平台代码", doc["platform"]["code"]),
        ("平台名称", doc["platform"]["name"]),
        ("管理员用户名", doc["administrator"]["username"]),
        ("管理员姓名", doc["administrator"]["display_name"]),
    ]:
        platform.append([key, value])
    if edit is not None:
        edit(book)
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "city.xlsx"
    path.write_bytes(out.getvalue())
    return path


def test_the_workbook_sets_up_what_the_yaml_file_says(app, tmp_path):
    result = setup(app, city_workbook(tmp_path))
    assert result.exit_code == 0, result.output
    assert "新增部门 包头市水务局（water）" in result.output
    before = snapshot()
    again = setup(app, CITY, None)
    assert again.output.strip() == "无需更改：数据库已与 city.yaml 一致。", again.output
    assert snapshot() == before


def test_a_bad_workbook_names_the_sheet_row_and_column_and_changes_nothing(app, tmp_path):
    def edit(book):  # type: ignore[no-untyped-def]
        book["地区"]["C4"] = "150900"  # 青山区's parent
        book["部门"]["D1"] = "颜色"

    result = setup(app, city_workbook(tmp_path, edit))
    assert result.exit_code == 1
    assert "第 1 行，部门 颜色：未知的列" in result.output, result.output
    fixed_header = setup(app, city_workbook(tmp_path, lambda book: book["地区"].__setitem__("C4", "150900")))
    assert "第 4 行，地区 上级代码：本文件中没有代码为 150900 的地区。" in fixed_header.output, fixed_header.output
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_a_file_that_is_not_a_workbook_is_refused(app, tmp_path):
    path = tmp_path / "city.xlsx"
    path.write_bytes(b"regions: []\n")
    result = setup(app, path)
    assert result.exit_code == 1
    assert "未做任何更改" in result.output
