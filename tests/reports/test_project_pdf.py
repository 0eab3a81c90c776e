"""The project report PDF: every chosen process, the approvals, the charts and the evidence, in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from tests.engine import lifecycle_support
from tests.reports.pdf_support import PHOTO_NAME, fill_every_process, pdf_text
from zerolegwork.extensions import db
from zerolegwork.files.models import Attachment
from zerolegwork.projects.errors import ProjectNotFoundError
from zerolegwork.reports.pdf import services as pdf

app = lifecycle_support.app  # evidence uploads go under the test's tmp_path

SECTIONS = [
    "一、基本信息",
    "二、流程概览",
    "三、各流程办理情况",
    "四、审批记录与意见",
    "五、进度图表",
    "六、证据材料清单",
]
PROCESSES = ["项目信息", "项目手续", "项目投资", "招标采购", "合同备案", "进度管理", "项目验收", "绩效评价"]


def flat(text: str) -> str:
    """The text without white space: table cells wrap, so words may break across lines."""
    return "".join(text.split())


@pytest.fixture
def filled(app, people):
    return fill_every_process(people)


def test_a_project_with_every_process_filled_reads_back_in_chinese(filled, people, client, login):
    login("unit1")
    response = client.get(f"/reports/projects/{filled.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert ".pdf" in response.headers["Content-Disposition"]
    text = flat(pdf_text(response.data))

    assert all(section in text for section in SECTIONS)
    assert all(f"{n}.{name}" in text for n, name in enumerate(PROCESSES, 1))
    assert flat(filled.name) in text and f"项目代码：{filled.code}" in text
    # the basic information and the classification
    assert "包头市城市建设投资有限公司" in text and "包头市住房和城乡建设局" in text and "市政道路" in text
    # amounts in 万元 with four places: plan, funding sources with their shares, award, savings, contract
    assert "计划总投资（万元）12,800.0000" in text
    assert "市级资金" in text and "债券资金" in text and "6,400.0000" in text and "50.00%" in text
    assert "9,650.5000" in text and "149.5000" in text
    # procedures, progress, acceptance, performance records
    assert "包发改审批〔2026〕8号" in text and "可行性研究报告" in text
    assert "2027-10" in text and "100.00%" in text and "12,000.0000" in text
    assert "专项验收" in text and "联合验收" in text
    assert "群众满意度" in text and "重点评价" in text and "91.50" in text
    # the approvals: the joint sign-off's opinions and each completed task with who handled it
    assert "联合审查意见" in text and "包头市财政局" in text and "财政局审查员" in text and "同意。" in text
    assert "经核对，同意。" in text and "住建局审查员" in text and "绩效结果应用" in text
    # charts, evidence with full sha256 digests, pages
    assert "投资完成情况（万元）：实际与计划" in text and "时间与工程量进度（%）" in text
    photo = db.session.scalars(select(Attachment).where(Attachment.filename == PHOTO_NAME)).one()
    assert flat(PHOTO_NAME) in text and f"SHA-256:{photo.sha256}" in text
    assert "第1页" in text and "第2页" in text and "生成时间" in text


def test_a_process_nobody_chose_says_so_in_one_line(app, people):
    project = people["projects"][1]  # registered, nothing chosen, lifecycle not started
    text = flat(pdf_text(pdf.project_report(people["users"]["unit1"], project.id)))
    for name in PROCESSES:
        chosen_always = name in ("项目信息", "项目投资")
        assert (f"{name}：未选择" in text) is not chosen_always, name
    assert "尚无联合审查意见" in text and "尚无进度数据" in text and "尚无证据材料" in text
    assert "所处阶段" in text and "未启动" in text


def test_another_units_project_is_not_found(filled, people, client, login):
    outsider = people["users"][
        "finance1_150202"
    ]  # 东河区: the 昆区 project is neither in its district nor routed to it
    with pytest.raises(ProjectNotFoundError):
        pdf.project_report(outsider, filled.id)
    login("finance1_150202")
    assert client.get(f"/reports/projects/{filled.id}.pdf").status_code == 404
    assert client.get("/reports/projects/999999.pdf").status_code == 404


def test_the_same_data_at_the_same_time_gives_the_same_bytes(filled):
    at = datetime(2026, 11, 1, 2, 3, tzinfo=UTC)
    first = pdf.render(filled.id, generated_at=at)
    db.session.expire_all()
    assert pdf.render(filled.id, generated_at=at) == first
    assert "生成时间2026-11-0110:03" in flat(pdf_text(first))  # Asia/Shanghai


def test_one_report_reads_a_bounded_number_of_statements(filled):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        pdf.render(filled.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # project, functions, 9 record kinds, actors, attachments, lifecycle state (twice), tasks, their answers
    # and steps, the deployed forms: a fixed number whatever the number of records
    assert len(statements) <= 25


def test_the_project_page_links_to_the_report(filled, client, login):
    login("unit1")
    page = client.get(f"/projects/{filled.id}").get_data(as_text=True)
    assert f'href="/reports/projects/{filled.id}.pdf"' in page and "导出项目报告（PDF）" in page


def test_file_names_keep_to_safe_characters(filled):
    filled.name = '../工程/"a:b"*?.exe'
    name = pdf.file_name(filled)
    assert name.startswith(filled.code + "_") and name.endswith(".pdf")
    assert "/" not in name and ".." not in name.removesuffix(".pdf") and ":" not in name
    db.session.rollback()
