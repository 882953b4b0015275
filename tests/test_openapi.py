"""The OpenAPI document: valid, complete, and true to how every endpoint treats bad input."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

CJK = re.compile(r"[\u4e00-\u9fff]")
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
FIXED_OPERATIONS = [
    ("post", "/api/v1/users"), ("post", "/api/v1/auth/tokens"), ("get", "/api/v1/me"),
    ("get", "/api/v1/listings"), ("post", "/api/v1/listings"),
    ("get", "/api/v1/listings/{listing_id}"), ("patch", "/api/v1/listings/{listing_id}"),
    ("post", "/api/v1/listings/{listing_id}/publish"), ("post", "/api/v1/listings/{listing_id}/suspend"),
    ("put", "/api/v1/listings/{listing_id}/opening-hours"),
    ("post", "/api/v1/listings/{listing_id}/exceptions"),
    ("delete", "/api/v1/listings/{listing_id}/exceptions/{exception_id}"),
    ("post", "/api/v1/listings/{listing_id}/photos"), ("delete", "/api/v1/listings/{listing_id}/photos/{photo_id}"),
    ("get", "/api/v1/organisations"), ("post", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/{org_id}"), ("patch", "/api/v1/organisations/{org_id}"),
    ("post", "/api/v1/organisations/{org_id}/verify"), ("post", "/api/v1/organisations/{org_id}/reject"),
    ("get", "/api/v1/organisations/{org_id}/staff"), ("post", "/api/v1/organisations/{org_id}/staff"),
    ("delete", "/api/v1/organisations/{org_id}/staff/{user_id}"),
    ("get", "/api/v1/places"), ("get", "/api/v1/places/tree"), ("get", "/api/v1/places/{place_id}"),
    ("get", "/api/v1/admin/audit-log"), ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users/{user_id}/disable"), ("post", "/api/v1/admin/users/{user_id}/enable"),
]
# A value of the wrong type for each OpenAPI type, to provoke every field's type error.
WRONG_TYPE = {"string": 12345, "integer": "abc", "number": "abc", "boolean": "maybe", "array": 5, "object": 5}


@pytest.fixture(scope="module")
def spec(app):
    with app.app_context(), app.test_client() as client:
        return client.get("/api/v1/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def resolve(spec, schema: dict) -> dict:
    if "$ref" in schema:
        return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def json_body_schema(spec, operation) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content["application/json"]["schema"] if "application/json" in content else None


def concrete(path: str) -> str:
    """A real URL for a documented path: id 1 wherever an id goes (bad bodies are refused before any lookup)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def leaf_messages(errors) -> list[str]:
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in leaf_messages(value)]
    if isinstance(errors, list):
        return [message for value in errors for message in leaf_messages(value)]
    return [errors]


@pytest.fixture
def admin_headers(factory, api_token):
    return api_token(factory.user(platform_admin=True))


def test_the_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


@pytest.mark.parametrize("method, path", FIXED_OPERATIONS)
def test_the_fixed_operations_are_documented(spec, method, path):
    assert method in spec["paths"].get(path, {}), f"{method.upper()} {path} is missing"


def test_every_operation_has_a_chinese_summary(spec):
    missing = [f"{m.upper()} {p}" for m, p, op in operations(spec) if not CJK.search(op.get("summary", ""))]
    assert missing == []


def test_operations_that_need_a_token_say_so_and_document_401(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    for method, path, operation in operations(spec):
        if {"bearerAuth": []} in operation.get("security", []) and {} not in operation["security"]:
            assert "401" in operation["responses"], f"{method.upper()} {path}"


def test_error_responses_are_documented_with_the_error_schema(spec):
    documented = set()
    for _method, _path, operation in operations(spec):
        for status in ("401", "403", "404", "409", "422"):
            if status in operation["responses"]:
                documented.add(status)
                response = operation["responses"][status]
                name = response["$ref"].rsplit("/", 1)[1]
                schema = spec["components"]["responses"][name]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}
    assert documented == {"401", "403", "404", "409", "422"}
    assert spec["components"]["schemas"]["Error"]["required"] == ["message"]


def test_collections_are_items_and_total_with_paging_arguments(spec):
    for path in ("/api/v1/listings", "/api/v1/organisations", "/api/v1/places", "/api/v1/admin/audit-log",
                 "/api/v1/admin/users"):
        operation = spec["paths"][path]["get"]
        body = resolve(spec, operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert {"items", "total"} <= set(body["properties"]), path
        per_page = next(p for p in operation["parameters"] if p["name"] == "per_page")
        assert per_page["schema"]["maximum"] == 100


def test_every_json_body_refuses_unknown_fields_in_chinese(client, spec, admin_headers):
    checked = 0
    for method, path, operation in operations(spec):
        schema = json_body_schema(spec, operation)
        if schema is None:
            continue
        body = [{"no_such_field": 1}] if schema.get("type") == "array" else {"no_such_field": 1}
        response = client.open(concrete(path), method=method, json=body, headers=admin_headers)
        assert response.status_code == 422, f"{method.upper()} {path}: {response.status_code}"
        assert "不认识的字段" in leaf_messages(response.json["errors"]), f"{method.upper()} {path}"
        checked += 1
    assert checked >= 10


def test_every_query_refuses_unknown_arguments_in_chinese(client, spec, admin_headers):
    checked = 0
    for method, path, operation in operations(spec):
        if not any(p["in"] == "query" for p in operation.get("parameters", [])):
            continue
        response = client.open(concrete(path), method=method, query_string={"no_such_arg": 1}, headers=admin_headers)
        assert response.status_code == 422, f"{method.upper()} {path}"
        assert response.json["errors"]["query"]["no_such_arg"] == ["不认识的字段"]
        checked += 1
    assert checked >= 5


def test_wrong_types_in_any_json_body_get_chinese_messages_only(client, spec, admin_headers):
    for method, path, operation in operations(spec):
        schema = json_body_schema(spec, operation)
        if schema is None:
            continue
        is_list = schema.get("type") == "array"
        properties = resolve(spec, schema["items"] if is_list else schema)["properties"]
        wrong = {name: WRONG_TYPE[prop["type"]] for name, prop in properties.items()
                 if not prop.get("readOnly") and prop.get("type") in WRONG_TYPE}
        response = client.open(concrete(path), method=method, json=[wrong] if is_list else wrong,
                               headers=admin_headers)
        assert response.status_code == 422, f"{method.upper()} {path}"
        messages = leaf_messages(response.json["errors"])
        assert len(messages) >= len(wrong), f"{method.upper()} {path}: {response.json}"
        assert [m for m in messages if not CJK.search(m)] == [], f"{method.upper()} {path}"


def test_an_undocumented_method_is_405_with_the_allowed_methods(client):
    response = client.open("/api/v1/listings", method="TRACE")
    assert response.status_code == 405
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}
    assert response.json["message"] == "不支持这种请求方式"


def test_a_missing_required_body_is_refused_not_read_as_empty(client, spec, admin_headers, factory):
    listing = factory.listing()
    assert spec["paths"]["/api/v1/listings/{listing_id}"]["patch"]["requestBody"]["required"] is True
    response = client.patch(f"/api/v1/listings/{listing.id}", headers=admin_headers)
    assert response.status_code == 422
    assert response.json["errors"] == ["请提交 JSON 格式的请求内容"]


def test_money_is_documented_as_the_decimal_string_it_is(client, spec, factory):
    listing = factory.listing(fee_type="money", fee_amount="12.5")
    documented = spec["components"]["schemas"]["Listing"]["properties"]["fee_amount"]
    assert (documented["type"], documented["format"]) == ("string", "decimal")
    assert re.search(documented["pattern"], client.get(f"/api/v1/listings/{listing.id}").json["fee_amount"])
    assert client.get(f"/api/v1/listings/{listing.id}").json["fee_amount"] == "12.50"


def test_every_operation_documents_400_and_none_a_catch_all_default(spec):
    for method, path, operation in operations(spec):
        assert "400" in operation["responses"] and "default" not in operation["responses"], f"{method} {path}"
        if "{" in path:
            assert "404" in operation["responses"], f"{method.upper()} {path}"
