"""The OpenAPI schema documents the auth answers as the views build them (issue 17): every key an
answer carries is a documented property, and every required property is in the answer."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def documented(schema: dict, path: str, method: str, code: str) -> dict:
    content = schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    if "$ref" in content:
        return schema["components"]["schemas"][content["$ref"].rsplit("/", 1)[-1]]
    return content


def assert_matches(component: dict, body: dict) -> None:
    assert set(body) <= set(component["properties"]), set(body) - set(component["properties"])
    assert set(component.get("required", [])) <= set(body)


def test_auth_answers_match_their_documented_components(schema):
    user = UserFactory(username="dave", role="Operator")
    client = APIClient()
    registered = client.post(
        reverse("auth-register"),
        {"username": "newbie", "email": "newbie@example.com", "password": "Str0ng-Passw0rd"},
    )
    assert_matches(documented(schema, "/api/v1/auth/register/", "post", "201"), registered.json())
    login = client.post(reverse("auth-login"), {"username": user.username, "password": TEST_PASSWORD}).json()
    assert_matches(documented(schema, "/api/v1/auth/login/", "post", "200"), login)
    refreshed = client.post(reverse("auth-refresh"), {"refresh_token": login["refresh_token"]}).json()
    assert_matches(documented(schema, "/api/v1/auth/refresh/", "post", "200"), refreshed)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed['access_token']}")
    assert_matches(
        documented(schema, "/api/v1/auth/me/", "get", "200"), client.get(reverse("auth-me")).json()
    )
    logged_out = client.post(reverse("auth-logout"), {}).json()
    assert_matches(documented(schema, "/api/v1/auth/logout/", "post", "200"), logged_out)
    error = client.get(reverse("auth-me")).json()
    assert_matches(documented(schema, "/api/v1/auth/me/", "get", "401"), error)
    bad = client.post(reverse("auth-login"), {}).json()
    component = documented(schema, "/api/v1/auth/login/", "post", "400")
    assert set(component["required"]) <= set(bad)
    assert all(isinstance(bad[field], list) for field in set(bad) - set(component["properties"]))
