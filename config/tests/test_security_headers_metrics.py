"""Issue 20: Content-Security-Policy, Argon2 with PBKDF2 upgraded on login, Prometheus metrics."""

from __future__ import annotations

import re
import urllib.request
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from prometheus_client import REGISTRY

from config import metrics
from staff.tests.factories import UserFactory

PASSWORD = "Correct-horse-2026"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.styles: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        elif tag == "link" and dict(attrs).get("rel") == "stylesheet":
            self.styles.append(dict(attrs))


def _nonce(policy: str) -> str | None:
    match = re.search(r"script-src [^;]*'nonce-([^']+)'", policy)
    return match.group(1) if match else None


def _assert_scripts_allowed(response) -> None:
    """Every script is same-origin, a JSON data block, or carries the header's nonce; styles same-origin."""
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    tags = _Tags()
    tags.feed(response.content.decode())
    assert tags.scripts, "the page loads scripts"
    for script in tags.scripts:
        src = script.get("src")
        if src:
            assert src.startswith("/") and not src.startswith("//"), src  # this origin (sidecar included)
        elif script.get("type") == "application/json":
            continue  # data, never executed
        else:
            assert script.get("nonce") and script["nonce"] == _nonce(policy), script
    for style in tags.styles:
        assert style["href"].startswith("/") and not style["href"].startswith("//"), style


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_the_docs_pages_load_their_scripts_under_the_policy(url):
    response = Client().get(url)
    assert response.status_code == 200
    _assert_scripts_allowed(response)
    assert _nonce(response["Content-Security-Policy"])  # their inline script runs by nonce


@pytest.mark.django_db
def test_the_admin_login_and_index_load_their_scripts_under_the_policy(superuser):
    client = Client()
    _assert_scripts_allowed(client.get("/admin/login/"))
    client.force_login(superuser)
    response = client.get("/admin/")
    assert response.status_code == 200
    _assert_scripts_allowed(response)
    response = client.get("/admin/staff/user/add/")
    assert response.status_code == 200
    _assert_scripts_allowed(response)


@pytest.mark.django_db
def test_the_browsable_api_loads_its_scripts_under_the_policy(superuser):
    client = Client()
    client.force_login(superuser)
    response = client.get("/api/v1/data/machines", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    _assert_scripts_allowed(response)


@pytest.mark.django_db
def test_json_answers_carry_the_policy_too(api_client):
    response = api_client.get("/health")
    assert "default-src 'self'" in response["Content-Security-Policy"]


# --- Argon2 -----------------------------------------------------------------------------------------
def test_argon2_is_the_first_hasher_and_pbkdf2_is_still_read():
    from config import settings as project_settings  # the suite's conftest swaps in a fast MD5

    hashers = project_settings.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers


@pytest.mark.django_db
def test_a_pbkdf2_hash_is_upgraded_to_argon2_on_login(api_client, settings):
    from config import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the suite's fast MD5 undone
    user = UserFactory(username="legacy")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert user.password.startswith("pbkdf2_sha256$")

    response = api_client.post(reverse("auth-login"), {"username": "legacy", "password": PASSWORD})
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    # And the new hash logs in.
    again = Client().post(
        reverse("auth-login"), {"username": "legacy", "password": PASSWORD}, content_type="application/json"
    )
    assert again.status_code == 200


# --- Metrics ----------------------------------------------------------------------------------------
def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_metrics_are_off_without_a_token_or_an_address_list(api_client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert api_client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_take_the_bearer_token_and_refuse_a_wrong_one(settings):
    settings.METRICS_TOKEN = "scrape-secret"
    settings.METRICS_ALLOWED_IPS = []
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"facility_http_requests_total" in response.content


@pytest.mark.django_db
def test_metrics_take_an_allowed_network(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics").status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_and_timed_per_view_with_their_queries(auth_client, manager):
    labels = {"view": "machines-list", "method": "GET", "status": "200"}
    before = _sample("facility_http_requests_total", labels)
    timed = _sample(
        "facility_http_request_duration_seconds_count", {"view": "machines-list", "method": "GET"}
    )
    queries = _sample("facility_db_query_duration_seconds_count", {"alias": "default"})
    assert auth_client(manager).get("/api/v1/data/machines").status_code == 200
    assert _sample("facility_http_requests_total", labels) == before + 1
    assert (
        _sample("facility_http_request_duration_seconds_count", {"view": "machines-list", "method": "GET"})
        == timed + 1
    )
    assert _sample("facility_db_query_duration_seconds_count", {"alias": "default"}) > queries


@pytest.mark.redis
def test_the_redis_cache_calls_are_timed(settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": django_settings.CACHES["default"].get("LOCATION")
            if "redis" in django_settings.CACHES["default"]["BACKEND"]
            else "redis://127.0.0.1:6379/14",
            "OPTIONS": {"CLIENT_CLASS": "config.metrics.TimedRedisClient"},
            "KEY_PREFIX": "metrics-test",
        }
    }
    before = _sample("facility_cache_operation_duration_seconds_count", {"operation": "set"})
    caches["default"].set("metrics-probe", 1, 5)
    assert caches["default"].get("metrics-probe") == 1
    caches["default"].delete("metrics-probe")
    assert _sample("facility_cache_operation_duration_seconds_count", {"operation": "set"}) == before + 1


@pytest.mark.django_db
def test_lock_changes_and_conflicts_are_counted(auth_client, operator):
    from locks.tests.factories import DeviceFactory

    device = DeviceFactory()
    changes = _sample("facility_lock_status_changes_total", {})
    conflicts = _sample("facility_lock_conflicts_total", {})
    client = auth_client(operator)
    url = reverse("device-update", args=[device.pk])
    assert client.post(url, {"new_status": "unlocked", "expected_version_id": 0}).status_code == 200
    assert client.post(url, {"new_status": "locked", "expected_version_id": 0}).status_code == 409
    assert _sample("facility_lock_status_changes_total", {}) == changes + 1
    assert _sample("facility_lock_conflicts_total", {}) == conflicts + 1


@pytest.mark.django_db
def test_otp_outcomes_are_counted():
    from staff.exceptions import OTPWrong
    from staff.otp.services import otp_generate, otp_verify

    issued = _sample("facility_otp_outcomes_total", {"action": "generate", "outcome": "issued"})
    wrong = _sample("facility_otp_outcomes_total", {"action": "verify", "outcome": "wrong"})
    verified = _sample("facility_otp_outcomes_total", {"action": "verify", "outcome": "verified"})
    result = otp_generate(ident="metrics-otp")
    with pytest.raises(OTPWrong):
        otp_verify(ident="metrics-otp", code="000000" if result.code != "000000" else "111111")
    otp_verify(ident="metrics-otp", code=result.code)
    assert _sample("facility_otp_outcomes_total", {"action": "generate", "outcome": "issued"}) == issued + 1
    assert _sample("facility_otp_outcomes_total", {"action": "verify", "outcome": "wrong"}) == wrong + 1
    assert _sample("facility_otp_outcomes_total", {"action": "verify", "outcome": "verified"}) == verified + 1


def test_readings_are_counted_by_source_and_drop_reason():
    stored = _sample("facility_readings_ingested_total", {"source": "mqtt"})
    dropped = _sample("facility_readings_dropped_total", {"source": "mqtt", "reason": "unknown_machine"})
    metrics.count_readings("mqtt", 3, {"unknown_machine": 2})
    assert _sample("facility_readings_ingested_total", {"source": "mqtt"}) == stored + 3
    assert (
        _sample("facility_readings_dropped_total", {"source": "mqtt", "reason": "unknown_machine"})
        == dropped + 2
    )


def test_the_subscriber_metrics_port_is_off_by_default_and_serves_when_set(settings):
    settings.MQTT_METRICS_PORT = 0
    assert metrics.serve_subscriber_metrics() is None
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server, _thread = metrics.serve_subscriber_metrics(port)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert b"facility_readings_ingested_total" in body
    finally:
        server.shutdown()
        server.server_close()
