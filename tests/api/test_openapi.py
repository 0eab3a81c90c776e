"""The OpenAPI document: served at a stable URL without a token, valid, stable, and covering every API route."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from zerolegwork.api import spec

URL = "/api/v1/openapi.json"


def test_the_document_is_served_without_a_token_and_is_valid_openapi(api, people):
    resp = api("GET", URL)
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    document = resp.json
    validate(document)
    assert document["openapi"].startswith("3.0")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert "Set-Cookie" not in resp.headers


def test_the_document_is_the_same_every_time(api, people):
    first = api("GET", URL).get_data()
    assert api("GET", URL).get_data() == first
    assert json.dumps(spec.build(), ensure_ascii=False, indent=1).encode() == first


def test_every_api_route_is_documented_with_its_errors(app):
    documented = {
        (path, method.upper())
        for path, ops in spec.build()["paths"].items()
        for method in ops
        if method != "parameters"
    }
    routed = {
        (rule.rule.replace("<int:project_id>", "{project_id}"), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == documented
    paths = spec.build()["paths"]
    for path, ops in paths.items():
        for method, op in ops.items():
            if path == URL:
                continue
            assert {"401", "403"} <= set(op["responses"]), (path, method)
            if "{project_id}" in path:
                assert "404" in op["responses"]
    post = paths["/api/v1/budget-arrangements"]["post"]["responses"]
    assert {"200", "201", "400", "409", "422"} <= set(post)


def test_money_is_documented_as_decimal_strings(app):
    schemas = spec.build()["components"]["schemas"]
    assert schemas["Project"]["properties"]["planned_investment"]["type"] == "string"
    assert schemas["ArrangementIn"]["properties"]["amount"]["type"] == "string"
    assert schemas["ProjectPage"]["required"] == ["items", "page", "per_page", "total"]
