"""The OpenAPI schema documents what the app answers (issue 17, found by schemathesis): the shared
answers come from each view's declarations (config.api.schema.AutoSchema), fields and parameters
carry the bounds and nullability the views apply. `make test-schema` checks it live."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

ERROR_REF = {"$ref": "#/components/schemas/ApiError"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operation(schema: dict, method: str, path: str) -> dict:
    return schema["paths"][path][method]


def body_schema(response: dict) -> dict:
    return response["content"]["application/json"]["schema"]


def test_every_operation_documents_503_and_every_private_one_401(schema) -> None:
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert "503" in op["responses"], (method, path)
            if op.get("security") and {} not in op["security"]:
                assert "401" in op["responses"], (method, path)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/units/", "400"),  # ?limit=0
        ("post", "/jabatan/", "400"),
        ("post", "/api/v1/auth/login/", "401"),
        ("post", "/api/v1/auth/login/", "429"),
        ("post", "/api/v1/auth/refresh/", "401"),
        ("post", "/api/v1/auth/register/", "403"),
        ("post", "/api/units/", "403"),  # an Operator may not
        ("delete", "/users/{id}/", "403"),
        ("get", "/api/v1/audit/", "403"),
        ("post", "/api/sensors/", "404"),  # unknown unit_id
        ("post", "/api/sensor-data/", "404"),  # unknown sensor_id
        ("delete", "/jabatan/{id}/", "409"),  # still held by a user (PROTECT)
    ],
)
def test_documented_status(schema, method, path, status) -> None:
    assert status in operation(schema, method, path)["responses"]


def test_no_403_where_no_permission_is_required(schema) -> None:
    assert "403" not in operation(schema, "get", "/api/v1/auth/me/")["responses"]
    # Reads need the model's view permission (a role-less account gets 403): documented.
    assert "403" in operation(schema, "get", "/api/units/")["responses"]


def test_400_bodies_allow_field_errors(schema) -> None:
    error = schema["components"]["schemas"]["ApiError"]
    assert "required" not in error and error["additionalProperties"] == {}
    for method, path in [("post", "/api/v1/categories/"), ("put", "/api/units/{id}/"), ("post", "/jabatan/")]:
        assert body_schema(operation(schema, method, path)["responses"]["400"]) == ERROR_REF, (method, path)
    for name in ("ValidationError", "QueryError"):
        assert "errors" not in schema["components"]["schemas"][name].get("required", []), name


def test_paged_lists_document_their_headers(schema) -> None:
    headers = operation(schema, "get", "/api/units/")["responses"]["200"]["headers"]
    assert {"X-Total-Count", "Link"} <= headers.keys()


def test_nullable_fields(schema) -> None:
    staff = schema["components"]["schemas"]["Staff"]["properties"]
    for name in ("id_jabatan", "email", "role", "alamat", "telepon"):
        assert staff[name].get("nullable"), name
    assert "format" not in staff["email"]  # "" is a stored value
    assert schema["components"]["schemas"]["AuditLog"]["properties"]["actor"].get("nullable")


def test_sensor_data_list_is_documented_in_its_plain_shape(schema) -> None:
    page = body_schema(operation(schema, "get", "/api/sensor-data/")["responses"]["200"])
    page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
    assert page["items"] == {"$ref": "#/components/schemas/SensorData"}


def test_bounds(schema) -> None:
    params = {
        p["name"]: p["schema"] for p in operation(schema, "get", "/api/sensor-data/{id}/")["parameters"]
    }
    assert params["id"]["minimum"] == 1
    params = {p["name"]: p["schema"] for p in operation(schema, "get", "/users/")["parameters"]}
    assert params["id_jabatan"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    params = {
        p["name"]: p["schema"] for p in operation(schema, "get", "/api/v1/data/machines/")["parameters"]
    }
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 1000)
    assert params["offset"]["minimum"] == 0
    components = schema["components"]["schemas"]
    assert components["OrderCreateRequest"]["properties"]["items"]["minItems"] == 1
    assert "expected_version_id" in components["PatchedDeviceMetadataRequest"]["required"]


def test_nested_bodies_are_json_only_and_security_listed_once(schema) -> None:
    assert list(operation(schema, "post", "/api/v1/orders/")["requestBody"]["content"]) == [
        "application/json"
    ]
    assert (
        "application/x-www-form-urlencoded"
        in operation(schema, "post", "/jabatan/")["requestBody"]["content"]
    )
    security = operation(schema, "post", "/api/v1/auth/logout/")["security"]
    assert len(security) == len({str(s) for s in security})
