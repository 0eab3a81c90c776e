"""The expert pool: departments search it, region administrators keep it."""

from __future__ import annotations

from sqlalchemy import select

from zerolegwork.extensions import db
from zerolegwork.orgs.models import Expert, Region


def test_departments_search_by_specialty_and_region(client, login, people):
    login("finance1")
    page = client.get("/experts/?q=造价").get_data(as_text=True)
    assert "李秀英" in page and "王建国" not in page
    qingshan = db.session.scalars(select(Region.id).where(Region.name == "青山区")).one()
    page = client.get(f"/experts/?region_id={qingshan}").get_data(as_text=True)
    assert "张伟" in page and "李秀英" not in page


def test_units_do_not_see_the_pool(client, login, people):
    login("unit1")
    assert client.get("/experts/").status_code == 404


def test_a_region_administrator_adds_and_a_handler_cannot(client, login, people):
    region = db.session.scalars(select(Region.id).where(Region.name == "市本级")).one()
    form = {
        "name": "孙丽",
        "specialties": "水利，给排水",
        "employer": "包头市水务局设计院",
        "region_id": region,
        "available": "1",
    }
    login("finance1")
    assert client.post("/experts/", data=form).status_code == 404
    login("admin")
    assert client.post("/experts/", data=form).status_code == 303
    expert = db.session.scalars(select(Expert).where(Expert.name == "孙丽")).one()
    assert expert.specialties == ["水利", "给排水"]
    resp = client.post("/experts/", data={**form, "name": "", "specialties": ""})
    assert resp.status_code == 422 and "至少填写一个专业领域" in resp.get_data(as_text=True)
    resp = client.post("/experts/", data={**form, "expert_id": expert.id, "available": ""})
    db.session.refresh(expert)
    assert expert.available is False
