"""`flask zlw import projects FILE`: problems as 第N行 列名: 原因 and exit 1; counts on success."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.projects_io.support import many, row, workbook
from zerolegwork.extensions import db
from zerolegwork.projects.models import Project


def run(app, path, *options):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["zlw", "import", "projects", str(path), *options])


def projects() -> int:
    return db.session.scalar(select(func.count()).select_from(Project)) or 0


def test_a_bad_file_prints_each_problem_and_exits_1(app, people, tmp_path):
    path = tmp_path / "library.xlsx"
    rows = many(20)
    rows[9] = row(9, **{"项目类别": "火箭发射", "建设年限": "明年"})
    path.write_bytes(workbook(rows))
    before = projects()
    result = run(app, path)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "第11行 建设年限: 建设年限请填写为 2026-2028 或 2026。"
    assert lines[1].startswith("项目类别：") and lines[2].strip() == "火箭发射（1 行）"
    assert "未导入任何数据：共 2 处错误。" in result.output
    assert projects() == before


def test_a_good_file_imports_and_prints_the_counts(app, people, tmp_path):
    path = tmp_path / "library.xlsx"
    path.write_bytes(workbook(many(30)))
    before = projects()
    result = run(app, path)
    assert result.exit_code == 0, result.output
    assert "已导入 30 个项目。" in result.output
    assert "新建未注册项目单位 30 个；自动赋码 30 个。" in result.output
    db.session.remove()
    assert projects() == before + 30


def test_a_dry_run_checks_and_imports_nothing(app, people, tmp_path):
    path = tmp_path / "library.xlsx"
    path.write_bytes(workbook(many(5)))
    before = projects()
    result = run(app, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "5 行全部无误" in result.output
    db.session.remove()
    assert projects() == before


def test_a_file_that_is_not_a_workbook_exits_1(app, people, tmp_path):
    path = tmp_path / "library.xlsx"
    path.write_text("项目名称,项目单位\n", encoding="utf-8")
    result = run(app, path)
    assert result.exit_code == 1
    assert "不是 Excel 工作簿" in result.output
