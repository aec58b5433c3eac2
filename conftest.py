"""Suite-wide fixtures: real-service markers, a clean cache per test, generous throttles."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from functools import cache as memoize
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # never db 0, which a local app may use


def _tcp_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@memoize
def service_problem(name: str) -> str | None:
    """Why the named service can't be used by this run, or None when it can."""
    from django.conf import settings

    if name == "postgres":
        from django.db import connection

        if connection.vendor != "postgresql":
            return "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/facility"
        return None
    if name == "redis":
        url = urlparse(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
        if not _tcp_open(url.hostname or "127.0.0.1", url.port or 6379):
            return f"Redis unreachable at {url.hostname}:{url.port or 6379} (REDIS_URL)"
        return None
    if name == "mqtt":
        url = urlparse(settings.MQTT_URL)
        if not _tcp_open(url.hostname or "127.0.0.1", url.port or 1883):
            return f"MQTT broker unreachable at {url.hostname}:{url.port or 1883} (MQTT_URL)"
        return None
    if name == "s3":
        if shutil.which("moto_server") is None and not _module_available("moto.server"):
            return "moto[server] is not installed (requirements-dev.txt)"
        return None
    return None


def _module_available(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests restore the migrated data (role groups, permissions) they flush."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if "serialized_rollback" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True), append=False
            )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in ("postgres", "redis", "mqtt", "s3"):
        if item.get_closest_marker(name) is None:
            continue
        problem = service_problem(name)
        if problem:
            if REQUIRE_SERVICES:
                pytest.fail(f"{problem} (required because CI=true or REQUIRE_SERVICES=1)", pytrace=False)
            pytest.skip(problem)


def _clear_cache() -> None:
    """Empty this run's cache only: on Redis, delete our prefixed keys instead of FLUSHDB."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clean_cache_and_throttles(settings):
    """Each test starts with an empty cache and throttles high enough not to interfere."""

    # A fast hasher: the suite creates hundreds of users; hashing strength is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.THROTTLE_LOGIN = "10000/min"
    settings.THROTTLE_LOGIN_IP = "10000/min"
    settings.THROTTLE_REFRESH = "10000/min"
    settings.THROTTLE_REGISTER = "10000/min"
    settings.LOGIN_LOCKOUT_AFTER = 10000
    settings.THROTTLE_OTP = "10000/min"
    _clear_cache()
    # The once-per-interval "degraded" log lines are process state: one test's outage must not
    # silence the next test's expected warning.
    from config.dependencies import _degraded_logged

    _degraded_logged.clear()
    # Each process's mirror of auth state (config.tracked_cache) starts empty too.
    from config.tracked_cache import reset_mirrors

    reset_mirrors()
    yield
    _clear_cache()


@pytest.fixture
def frozen_throttle_clock(monkeypatch):
    """Pin the throttles' clock mid-window, so a fixed-window count never straddles a boundary."""
    from config.api.throttling import SettingRateThrottle

    monkeypatch.setattr(SettingRateThrottle, "timer", staticmethod(lambda: 1_800_000_030.0))


@pytest.fixture
def redis_cache(settings):
    """Point the default cache at real Redis for this test (REDIS_URL, else the loopback default)."""
    from django.core.cache import cache

    # Django's setting_changed handler rebuilds the cache handlers for the new CACHES.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }
    _clear_cache()
    yield cache
    _clear_cache()


@pytest.fixture(scope="session")
def moto_server():
    """A moto S3 server on a free loopback port, for django-storages/boto3 to talk to."""
    problem = service_problem("s3")
    if problem:
        if REQUIRE_SERVICES:
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not _tcp_open("127.0.0.1", port, 0.2):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("moto server did not start", pytrace=False)
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


# --- One way to make users and clients, for every app's tests (docs/adding-an-app.md §14) ---------
# API: `api_client` (anonymous), `auth_client(user)`, and `<user>_client` for each user fixture below.
# Admin site: pytest-django's `admin_client` (a superuser) and `admin_client_as(user)`.
# Never define `client`, `admin_client`, `admin_user` or `db`: those are pytest-django's.
@pytest.fixture
def api_client():
    """An anonymous APIClient."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def auth_client():
    """`auth_client(user)` -> a new APIClient authenticated as `user` (anonymous for None)."""
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def reader(db):
    """Authenticated, but in no role group."""
    from staff.tests.factories import UserFactory

    return UserFactory(username="reader")


@pytest.fixture
def operator(db):
    from config.roles import Role
    from staff.tests.factories import UserFactory

    return UserFactory(username="op", role=Role.OPERATOR)


@pytest.fixture
def supervisor(db):
    from config.roles import Role
    from staff.tests.factories import UserFactory

    return UserFactory(username="sup", role=Role.SUPERVISOR)


@pytest.fixture
def manager(db):
    from config.roles import Role
    from staff.tests.factories import UserFactory

    return UserFactory(username="mgr", role=Role.MANAGEMENT)


@pytest.fixture
def superuser(db):
    from staff.tests.factories import UserFactory

    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def reader_client(auth_client, reader):
    return auth_client(reader)


@pytest.fixture
def operator_client(auth_client, operator):
    return auth_client(operator)


@pytest.fixture
def supervisor_client(auth_client, supervisor):
    return auth_client(supervisor)


@pytest.fixture
def manager_client(auth_client, manager):
    return auth_client(manager)


@pytest.fixture
def superuser_client(auth_client, superuser):
    return auth_client(superuser)


@pytest.fixture
def admin_client_as(db):
    """`admin_client_as(user)` -> a new Django test Client logged in as `user` (admin-site pages)."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
