"""Issue 8, "input that must never be a 500 or a slow query": every bad input is a 4xx JSON answer.

Each test failed on the code before the fix (a 500, an HTML 400, a silent no-op or a bare list).
"""

from __future__ import annotations

import io
import runpy
import socket
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.exceptions import ParseError

from config.api.parsers import BoundedJSONParser, PayloadTooLarge
from locks.tests.factories import DeviceFactory
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def post_raw(client, url: str, body: str, **extra):
    return client.post(url, data=body, content_type="application/json", **extra)


# --- JSON nesting and size ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "url_name", ["auth-login", "auth-register", "auth-refresh", "otp-generate", "otp-verify"]
)
def test_deeply_nested_json_is_400_not_500(api_client, url_name):
    response = post_raw(api_client, reverse(url_name), '{"username": ' + DEEP + "}")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_nesting_under_the_recursion_limit_but_over_the_cap_is_400(api_client, settings):
    settings.JSON_MAX_DEPTH = 10
    body = '{"username": ' + "[" * 20 + "]" * 20 + ', "password": "x"}'
    response = post_raw(api_client, reverse("auth-login"), body)
    assert response.status_code == 400
    assert "nested deeper than 10" in response.json()["detail"]


def test_deep_json_on_an_authenticated_write_is_400(auth_client, manager):
    response = post_raw(auth_client(manager), "/device/", '{"name": ' + DEEP + "}")
    assert response.status_code == 400


def test_json_body_over_the_limit_is_413_json(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"username": "' + "a" * 2000 + '", "password": "x"}'
    response = post_raw(api_client, reverse("auth-login"), body)
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Request body larger than 1000 bytes")


def test_parser_caps_a_body_without_content_length(settings):
    """The parser reads at most limit+1 bytes itself (a chunked body declares no length)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(io.BytesIO(b'"' + b"a" * 200 + b'"'))
    assert BoundedJSONParser().parse(io.BytesIO(b'{"a": [1, 2]}')) == {"a": [1, 2]}


@pytest.mark.parametrize("body", [b"NaN", b'{"a": Infinity}', b"\xff\xfe", b'{"a": "\\udc00"}'])
def test_parser_refuses_non_json_and_lone_surrogates(body):
    with pytest.raises(ParseError):
        BoundedJSONParser().parse(io.BytesIO(body))


def test_form_body_over_the_limit_is_json_413_not_the_html_400(settings, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    response = client.post("/admin/login/", {"username": "a" * 3000, "password": "x"})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_multipart_field_data_over_the_limit_is_json_413(settings, caplog):
    """Multipart bodies are not capped by length (files); Django's own check is answered as JSON."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    response = client.post(reverse("auth-login"), {"username": "a" * 3000, "password": "x"})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


# --- lone surrogates -----------------------------------------------------------------------------
# On Redis the old code failed while building cache keys (the throttle's, the OTP's): a 500.
@pytest.mark.parametrize(
    ("url_name", "body"),
    [
        ("auth-login", '{"username": "\\ud800", "password": "x"}'),
        (
            "auth-register",
            '{"username": "ab\\ud800", "email": "a@example.com", "password": "Str0ng-Passw0rd"}',
        ),
        ("otp-generate", '{"id": "\\ud800"}'),
        ("otp-verify", '{"id": "a\\udfff", "otp": "123456"}'),
    ],
)
@pytest.mark.redis
def test_lone_surrogate_is_400_not_500(redis_cache, api_client, url_name, body):
    response = post_raw(api_client, reverse(url_name), body)
    assert response.status_code == 400


def test_serializers_refuse_lone_surrogates_that_reach_them():
    """Defence in depth behind the parser (another parser could hand such text over)."""
    from staff.auth.serializers import LoginSerializer
    from staff.otp.serializers import OTPGenerateSerializer

    login = LoginSerializer(data={"username": "\ud800", "password": "x"})
    assert not login.is_valid() and "username" in login.errors
    otp = OTPGenerateSerializer(data={"id": "\ud800"})
    assert not otp.is_valid() and "id" in otp.errors


# --- throttles run before the body is parsed -------------------------------------------------------
def test_login_ip_throttle_answers_before_a_bad_body_is_parsed(api_client, settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN_IP = "1/min"
    assert (
        post_raw(api_client, reverse("auth-login"), '{"username": "x", "password": "y"}').status_code == 401
    )
    response = post_raw(api_client, reverse("auth-login"), DEEP)
    assert response.status_code == 429


def test_per_account_throttle_treats_a_bad_body_as_no_key(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert post_raw(api_client, reverse("auth-login"), "{not json").status_code == 400
    assert post_raw(api_client, reverse("auth-login"), '"' + "a" * 2000 + '"').status_code == 413


# --- query parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/users/", "/jabatan/", "/device/"])
@pytest.mark.parametrize("skip", ["9223372036854775808", "-1", "1e3"])
def test_out_of_range_skip_is_400_on_every_list(auth_client, manager, path, skip):
    response = auth_client(manager).get(path, {"skip": skip})
    assert response.status_code == 400
    assert "skip" in response.json()


@pytest.mark.postgres
def test_time_filter_with_a_large_offset_is_converted_to_utc(auth_client, operator):
    device = DeviceFactory()
    response = auth_client(operator).get(
        f"/device/{device.pk}/logs", {"changed_after": "2026-01-01T00:00:00+16:00"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"changed_after": "0001-01-01T00:00:00+01:00"},
        {"changed_before": "9999-12-31T23:59:59-01:00"},
        {"actor": "9223372036854775808"},
        {"actor": "0"},
        {"actor": "1.5"},
    ],
)
def test_time_and_integer_filters_out_of_range_are_400(auth_client, operator, params):
    device = DeviceFactory()
    response = auth_client(operator).get(f"/device/{device.pk}/logs", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


@pytest.mark.parametrize("value", ["9223372036854775808", "0", "2.5"])
def test_staff_id_jabatan_filter_out_of_range_is_400(auth_client, operator, value):
    response = auth_client(operator).get("/users/", {"id_jabatan": value})
    assert response.status_code == 400
    assert "id_jabatan" in response.json()


def test_search_with_a_nul_character_is_400(auth_client, operator):
    """Refused by the URL guard (config.middleware, issue 15) before the search filter sees it."""
    for path in ("/users/", "/device/"):
        response = auth_client(operator).get(path, {"search": "a\x00"})
        assert response.status_code == 400
        assert response.json() == {"detail": "Query parameter 'search' contains a control character."}


def test_boolean_filter_refuses_anything_but_true_or_false(auth_client, operator):
    UserFactory(is_active=False)
    client = auth_client(operator)
    response = client.get("/users/", {"is_active": "maybe"})
    assert response.status_code == 400
    assert list(response.json()) == ["is_active"]
    assert all(row["is_active"] is False for row in client.get("/users/", {"is_active": "false"}).json())
    assert client.get("/users/", {"is_active": "TRUE"}).status_code == 200


def test_search_terms_are_capped_in_number_and_length(auth_client, operator):
    client = auth_client(operator)
    many = client.get("/users/", {"search": ",".join(f"t{i}" for i in range(1900))})
    assert many.status_code == 400
    assert many.json() == {"search": ["At most 5 search terms."]}
    long = client.get("/users/", {"search": "x" * 65})
    assert long.status_code == 400
    # The same term repeated is one term.
    assert client.get("/users/", {"search": ",".join(["reader"] * 1900)}).status_code == 200


@pytest.mark.postgres
def test_user_search_uses_trigram_indexes_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'staff_user' AND indexname LIKE '%trgm'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"staff_user_username_trgm", "staff_user_full_name_trgm"}
    from staff.models import User

    queryset = User.objects.filter(username__icontains="abcd")
    with connection.cursor() as cursor:
        # A full walk of the primary key with the filter is the planner's other way out on a small
        # table (an order-dependent flake): only the trigram index can answer a bitmap scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
    assert "staff_user_username_trgm" in plan


# --- gunicorn --------------------------------------------------------------------------------------
def test_gunicorn_config_limits_request_line_and_headers_and_hides_the_server():
    import gunicorn
    import gunicorn.http.wsgi
    from gunicorn import util

    saved = (gunicorn.SERVER, gunicorn.SERVER_SOFTWARE, gunicorn.http.wsgi.SERVER, util.write_error)
    saved_headers = gunicorn.http.wsgi.Response.default_headers
    try:
        conf = runpy.run_path(str(Path(django_settings.BASE_DIR) / "gunicorn.conf.py"))
        assert conf["limit_request_line"] <= 8190
        assert conf["limit_request_fields"] <= 100
        assert conf["limit_request_field_size"] <= 8190
        assert "gunicorn" not in gunicorn.http.wsgi.SERVER

        server, client = socket.socketpair()
        with server, client:
            util.write_error(server, 431, "Request Header Fields Too Large", "too many")
            server.close()
            sent = client.recv(65536)
        head, body = sent.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 431")
        assert b"Content-Type: application/json" in head
        assert b"gunicorn" not in sent
        assert body == b'{"detail": "Request Header Fields Too Large"}'
    finally:
        gunicorn.SERVER, gunicorn.SERVER_SOFTWARE, gunicorn.http.wsgi.SERVER, util.write_error = saved
        gunicorn.http.wsgi.SERVER_SOFTWARE = saved[1]
        gunicorn.http.wsgi.Response.default_headers = saved_headers


def test_dockerfile_runs_gunicorn_with_the_shipped_config():
    dockerfile = (Path(django_settings.BASE_DIR) / "Dockerfile").read_text()
    assert '"--config", "gunicorn.conf.py"' in dockerfile


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ("a b c d e f", "At most 5 search terms."),
        ("x" * 65, "Each search term has at most 64 characters."),
    ],
)
def test_device_search_is_bounded_too(auth_client, operator, search, message):
    response = auth_client(operator).get("/device/", {"search": search})
    assert response.status_code == 400
    assert response.json() == {"search": [message]}


def test_device_search_still_matches(auth_client, operator):
    DeviceFactory(name="Main Door Lock")
    DeviceFactory(name="Lab Door")
    names = [row["name"] for row in auth_client(operator).get("/device/", {"search": "door,main"}).json()]
    assert names == ["Main Door Lock"]
