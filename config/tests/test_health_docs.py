"""Public endpoints: root, liveness, readiness, docs and schema; request timing."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["root", "health", "health-ready", "swagger-ui", "redoc", "schema"])
def test_public_endpoints_answer_200_without_auth(api_client, name):
    response = api_client.get(reverse(name))
    assert response.status_code == 200


def test_root_lists_links(api_client):
    body = api_client.get(reverse("root")).json()
    assert body["name"] == "Facility Operations API"
    assert body["version"]
    for key in ("docs", "redoc", "schema", "admin", "health", "ready", "auth"):
        assert body["links"][key].startswith("http://testserver/")


def test_health_is_liveness_without_dependencies(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["time"].endswith("Z")


@pytest.mark.parametrize("path", ["/health", "/health/", "/health/ready", "/health/ready/"])
def test_paths_work_with_and_without_trailing_slash(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200


def test_ready_reports_each_check_with_latency(api_client):
    body = api_client.get("/health/ready").json()
    assert body["status"] == "ready"
    for name in ("database", "cache", "storage"):
        assert body["checks"][name]["status"] == "ok"
        assert isinstance(body["checks"][name]["latency_ms"], float | int)


def test_ready_answers_503_naming_an_unreachable_cache(api_client):
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    with override_settings(CACHES=unreachable):
        response = api_client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


def test_ready_answers_503_naming_a_broken_storage(api_client, settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = str(blocker)
    response = api_client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


def test_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_every_response_has_server_timing_and_one_log_line(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="facility.request"):
        response = api_client.get("/health?probe=1")
    assert response["Server-Timing"].startswith("app;dur=")
    lines = [r.getMessage() for r in caplog.records if r.name == "facility.request"]
    assert len(lines) == 1
    method, path, status, duration = lines[0].split()
    assert (method, path, status) == ("GET", "/health?probe=1", "200")
    assert duration.endswith("ms")


def test_admin_title_is_the_products(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b"Facility Operations" in response.content
    assert b"Django administration" not in response.content


def test_unknown_url_answers_json_404_when_debug_is_off(api_client, settings):
    settings.DEBUG = False
    response = api_client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_server_error_answers_json_500():
    from django.test import RequestFactory

    from config.api.exceptions import json_server_error

    response = json_server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert response.content == b'{"detail": "Internal server error."}'
