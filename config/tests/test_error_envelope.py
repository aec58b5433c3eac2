"""Errors under the machines clients' paths (API_ERROR_ENVELOPE_PREFIXES: /api/v1/auth/, /api/v1/data/,
/api/v1/config) carry `status: "error"` and `message` (the text of `detail`) beside `detail`,
whoever answers them: the exception handler, the URL guard, the body limits, handler404 (issue 17).
Every other path keeps the plain `{"detail"}` shape."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from config.api.exceptions import envelope_applies, error_envelope, error_summary
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def assert_envelope(response, code: int) -> dict:
    assert response.status_code == code, response.content
    body = response.json()
    assert body["status"] == "error"
    assert isinstance(body["message"], str) and body["message"]
    assert body["message"] == body["detail"]
    return body


@pytest.mark.parametrize(
    ("path", "applies"),
    [
        ("/api/v1/auth/login", True),
        ("/api/v1/auth/", True),
        ("/api/v1/auth", True),
        ("/api/v1/data/machines", True),
        ("/api/v1/config", True),
        ("/api/v1/config/update/", True),
        ("/api/v1/configx", False),
        ("/api/v1/authz/login", False),
        ("/api/v1/orders/", False),
        ("/device/", False),
    ],
)
def test_prefixes_match_whole_segments(path, applies):
    assert envelope_applies(path) is applies


def test_validation_errors_keep_their_fields_beside_a_summary():
    body = error_envelope({"username": ["This field is required."], "items": [{}, {"quantity": ["Bad."]}]})
    assert body == {
        "status": "error",
        "message": "username: This field is required.; items[1].quantity: Bad.",
        "detail": "username: This field is required.; items[1].quantity: Bad.",
        "username": ["This field is required."],
        "items": [{}, {"quantity": ["Bad."]}],
    }
    # A field named like an envelope key is kept too, under `errors`.
    clash = error_envelope({"status": ["Not a valid choice."]})
    assert clash["status"] == "error" and clash["errors"] == {"status": ["Not a valid choice."]}
    assert error_summary([f"m{i}" for i in range(8)]) == "m0; m1; m2; m3; m4 (and 3 more)"


def test_register_validation_error_is_enveloped_with_its_field_errors():
    response = APIClient().post(reverse("auth-register"), {"username": "ab", "email": "x@example.com"})
    body = assert_envelope(response, 400)
    assert body["username"] and body["password"] == ["This field is required."]
    assert "username: " in body["message"] and "password: This field is required." in body["message"]


def test_login_refusals_and_wrong_method_are_enveloped():
    UserFactory(username="dave")
    client = APIClient()
    body = assert_envelope(client.post(reverse("auth-login"), {"username": "dave", "password": "nope"}), 401)
    assert body == {"status": "error", "message": "Invalid username or password", "detail": body["detail"]}
    assert_envelope(client.get(reverse("auth-login")), 405)
    assert_envelope(client.get(reverse("auth-me")), 401)
    bad_json = client.generic("POST", reverse("auth-refresh"), "{", content_type="application/json")
    assert_envelope(bad_json, 400)


def test_data_and_config_errors_are_enveloped(auth_client, operator):
    assert_envelope(APIClient().get(reverse("machines-list")), 401)
    op = auth_client(operator)
    assert_envelope(op.get(reverse("machines-config")), 403)
    assert_envelope(op.get(reverse("machines-list"), {"limit": "0"}), 400)
    assert_envelope(op.get("/api/v1/data/no-such-thing"), 404)
    assert_envelope(op.get("/api/v1/config/no-such-thing"), 404)


@pytest.mark.parametrize("path", ["/api/v1/auth/me", "/api/v1/data/machines", "/api/v1/config"])
def test_the_url_guard_answers_the_envelope_under_the_prefixes(path):
    body = assert_envelope(APIClient().get(path, {"q": "a\x00b"}), 400)
    assert body["detail"] == "Query parameter 'q' contains a control character."


def test_the_body_limit_answers_the_envelope_under_the_prefixes():
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = b"{" + b" " * limit + b"}"
    response = APIClient().generic("POST", reverse("auth-login"), body, content_type="application/json")
    assert assert_envelope(response, 413)["detail"] == f"Request body larger than {limit} bytes."


def test_other_paths_keep_the_plain_shape(auth_client, supervisor):
    assert APIClient().get("/device/", {"q": "a\x00b"}).json() == {
        "detail": "Query parameter 'q' contains a control character."
    }
    assert APIClient().get("/api/v1/nowhere").json() == {"detail": "Not found."}
    assert auth_client(supervisor).post("/api/v1/categories/", {}, format="json").json() == {
        "name": ["This field is required."]
    }
