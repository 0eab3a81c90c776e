"""The rows macro: a small table of inputs named <field>-<row>-<column>, blank lines to fill, errors by cell."""

from __future__ import annotations

import copy

import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import ROOT
from tests.records.test_rows_field import INDICATORS

TEMPLATE = '{% from "inbox/_rows_field.html" import rows_field %}{{ rows_field(field, values, errors, "zh_CN") }}'


@pytest.fixture
def render(bare_app):
    def do(values, errors=None, **changes):
        field = copy.deepcopy(INDICATORS) | changes
        with bare_app.test_request_context():
            html = bare_app.jinja_env.from_string(TEMPLATE).render(field=field, values=values, errors=errors or {})
        return lxml.html.fromstring(f"<div>{html}</div>")

    return do


def body_rows(doc):
    return doc.xpath('//table[@id="rows-indicators"]/tbody/tr')


def test_a_fresh_table_shows_min_rows_plus_two_blank_lines_with_numbered_names(render):
    doc = render(MultiDict())
    rows = body_rows(doc)
    assert len(rows) == 3
    assert [i.name for i in rows[2].xpath(".//input|.//select")] == [
        "indicators-2-name",
        "indicators-2-weight",
        "indicators-2-due_on",
        "indicators-2-level",
    ]
    assert doc.xpath('//input[@name="indicators-0-due_on"]/@type') == ["date"]
    assert doc.xpath('//input[@name="indicators-0-weight"]/@inputmode') == ["decimal"]
    assert doc.xpath('//select[@name="indicators-0-level"]/option/@value') == ["", "core"]
    assert [t.strip() for t in doc.xpath("//th/text()")[1:3]] == ["指标名称", "权重"]


def test_the_add_row_button_is_shown_by_script_and_the_template_line_is_numbered_by_it(render):
    doc = render(MultiDict())
    (button,) = doc.xpath("//button[@data-rows-add='indicators']")
    assert button.text == "添加一行"
    assert "hidden" in button.attrib and "disabled" not in button.attrib
    template = lxml.html.tostring(doc.xpath("//template")[0], encoding="unicode")
    assert 'name="indicators-__i__-weight"' in template
    assert not doc.xpath("//script")  # the page's static/app.js shows the button and adds the lines
    assert "[data-rows-add][hidden]" in (ROOT / "zerolegwork" / "static" / "app.js").read_text()


def test_a_refused_page_shows_the_filled_rows_again_compacted_with_their_cell_errors(render):
    values = MultiDict(
        [
            ("indicators-0-name", "通车里程"),
            ("indicators-0-weight", "60"),
            ("indicators-2-name", "满意度"),
            ("indicators-2-weight", "abc"),
            ("indicators-2-level", "core"),
        ]
    )
    errors = {"indicators.1.weight": "请输入数字。", "indicators": "各指标权重合计为 60，应为 100。"}
    doc = render(values, errors)
    rows = body_rows(doc)
    assert len(rows) == 4
    assert doc.xpath('//input[@name="indicators-1-name"]/@value') == ["满意度"]
    assert doc.xpath('//input[@name="indicators-1-weight"]/@class')[0].endswith("is-invalid")
    assert doc.xpath('//*[@data-testid="error-indicators-1-weight"]/text()') == ["请输入数字。"]
    assert doc.xpath('//select[@name="indicators-1-level"]/option[@selected]/@value') == ["core"]
    assert doc.xpath('//*[@data-testid="error-indicators"]/text()') == ["各指标权重合计为 60，应为 100。"]


def test_rows_kept_as_a_list_are_shown_too(render):
    doc = render({"indicators": [{"name": "工期", "weight": "100", "due_on": None, "level": None}]})
    assert doc.xpath('//input[@name="indicators-0-name"]/@value') == ["工期"]
    assert doc.xpath('//input[@name="indicators-0-due_on"]/@value') == [""]
    assert len(body_rows(doc)) == 3


def test_the_table_never_offers_more_lines_than_max_rows(render):
    doc = render(MultiDict([("indicators-0-name", "a"), ("indicators-1-name", "b")]), max_rows=2)
    assert len(body_rows(doc)) == 2
    assert "disabled" in doc.xpath("//button[@data-rows-add='indicators']")[0].attrib


def test_values_are_escaped(render):
    doc = render(MultiDict([("indicators-0-name", '"><script>alert(1)</script>')]))
    assert doc.xpath('//input[@name="indicators-0-name"]/@value') == ['"><script>alert(1)</script>']
    assert not doc.xpath("//script")
