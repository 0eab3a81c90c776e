"""Units and agencies register; the region's administrator approves; then they sign in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from zerolegwork.audit.models import AuditEvent
from zerolegwork.extensions import db
from zerolegwork.orgs import creditcode
from zerolegwork.orgs.models import Organisation, Region

PASSWORD = "Qingshan-Water-2026"


def region_id(name: str) -> int:
    return db.session.scalars(select(Region.id).where(Region.name == name)).one()


def unit_form(**overrides: str) -> dict[str, str]:
    form = {
        "org_name": "包头市东河区城市管理投资有限公司",
        "credit_code": creditcode.make("91150202", "MA7Q2B3C"),
        "region_id": str(region_id("东河区")),
        "contact_name": "李明",
        "contact_phone": "13904720000",
        "username": "donghe_unit",
        "display_name": "李明",
        "password": PASSWORD,
        "password_repeat": PASSWORD,
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("91110000802100433B", True),
        ("91440300708461136T", True),
        ("91440300708461136U", False),
        ("91440300708461136", False),
        ("9144030070846113IT", False),
        ("91440300708461136t", False),
    ],
)
def test_the_credit_code_check(code, ok):
    assert (creditcode.problem(code) is None) is ok


def test_a_unit_registers_is_approved_by_its_district_and_signs_in(client, login, people):
    resp = client.post("/register/unit", data=unit_form())
    assert resp.status_code == 200 and "注册申请已提交" in resp.get_data(as_text=True)
    org = db.session.scalars(select(Organisation).where(Organisation.name.like("%东河区城市管理%"))).one()
    assert org.state == "pending"
    resp = client.post("/login", data={"username": "donghe_unit", "password": PASSWORD})
    assert resp.status_code == 403 and "正在等待地区管理员审核" in resp.get_data(as_text=True)
    login("admin")  # the city's administrator does not review a district's registration
    assert "东河区城市管理" not in client.get("/registrations/").get_data(as_text=True)
    assert client.post(f"/registrations/{org.id}", data={"decision": "approve"}).status_code == 404
    login("admin_150202")
    assert "东河区城市管理" in client.get("/registrations/").get_data(as_text=True)
    assert client.post(f"/registrations/{org.id}", data={"decision": "approve"}).status_code == 303
    db.session.refresh(org)
    assert org.state == "active"
    client.post("/logout")
    assert client.post("/login", data={"username": "donghe_unit", "password": PASSWORD}).status_code == 302
    page = client.get("/projects/").get_data(as_text=True)
    assert "暂无项目" in page
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(org.id))).all()
    assert {"org.register", "org.approve"} <= set(actions)


def test_a_rejection_needs_a_reason_and_keeps_the_account_closed(client, login, people):
    client.post("/register/unit", data=unit_form())
    org = db.session.scalars(select(Organisation).where(Organisation.state == "pending")).one()
    login("admin_150202")
    resp = client.post(f"/registrations/{org.id}", data={"decision": "reject"}, follow_redirects=True)
    assert "请填写驳回理由" in resp.get_data(as_text=True)
    client.post(f"/registrations/{org.id}", data={"decision": "reject", "note": "营业执照与名称不符"})
    db.session.refresh(org)
    assert org.state == "rejected" and org.review_note == "营业执照与名称不符"
    client.post("/logout")
    resp = client.post("/login", data={"username": "donghe_unit", "password": PASSWORD})
    assert resp.status_code == 403 and "营业执照与名称不符" in resp.get_data(as_text=True)
    wrong = client.post("/login", data={"username": "donghe_unit", "password": "Wrong-Password-2026"})
    assert wrong.status_code == 401 and "营业执照" not in wrong.get_data(as_text=True)


def test_an_agency_registers_with_service_types_and_qualifications(client, people):
    form = unit_form(
        org_name="内蒙古某工程咨询有限公司",
        username="zixun_agency",
        qualifications="工程咨询单位甲级资信 证书号 甲142020010001",
    )
    resp = client.post("/register/agency", data={**form, "service_types": ["consulting", "cost_audit"]})
    assert resp.status_code == 200
    org = db.session.scalars(
        select(Organisation).where(Organisation.kind == "agency", Organisation.code != "demo_agency")
    ).one()
    assert org.service_types == ["consulting", "cost_audit"] and org.state == "pending"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"credit_code": "91150202MA7Q2B3C0X"}, "credit_code", "校验码不符"),
        ({"credit_code": "123"}, "credit_code", "18 位"),
        ({"contact_phone": "12345"}, "contact_phone", "手机号"),
        ({"username": "unit1"}, "username", "已被使用"),
        ({"username": "x"}, "username", "4-32"),
        ({"password": "short", "password_repeat": "short"}, "password", "12"),
        ({"password_repeat": "Something-Else-2026"}, "password_repeat", "不一致"),
        ({"org_name": ""}, "org_name", "必填"),
        ({"org_name": "名" * 201}, "org_name", "200"),
        ({"region_id": "999999"}, "region_id", "选择"),
    ],
)
def test_bad_registrations_are_refused_field_by_field_and_nothing_is_stored(client, people, overrides, field, message):
    resp = client.post("/register/unit", data=unit_form(**overrides))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in page or field == "region_id"
    assert message in page
    assert db.session.scalars(select(Organisation).where(Organisation.state == "pending")).all() == []


def test_the_same_credit_code_cannot_register_twice(client, people):
    client.post("/register/unit", data=unit_form())
    resp = client.post("/register/unit", data=unit_form(username="another_user"))
    assert resp.status_code == 422 and "已注册" in resp.get_data(as_text=True)


def test_an_agency_without_service_types_is_refused(client, people):
    resp = client.post("/register/agency", data=unit_form(qualifications="证书"))
    assert resp.status_code == 422 and "服务类型" in resp.get_data(as_text=True)


def test_only_region_administrators_see_registrations(client, login, people):
    login("finance1")
    assert client.get("/registrations/").status_code == 404


def test_registration_is_rate_limited_per_address(client, people):
    for i in range(5):
        client.post("/register/unit", data=unit_form(username=f"user_{i}x", org_name=""))
    resp = client.post("/register/unit", data=unit_form())
    assert resp.status_code == 429 and "次数过多" in resp.get_data(as_text=True)
    assert resp.headers["Retry-After"]
