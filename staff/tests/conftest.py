"""Fixtures for the staff tests: users per role, API clients, and the OTP cache on both backends."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from staff.choices import Role
from staff.tests.factories import PositionFactory, UserFactory


@pytest.fixture
def position(db):
    return PositionFactory(name="Operator Mesin", description="Menjalankan mesin produksi")


@pytest.fixture
def operator(db):
    return UserFactory(username="op", role=Role.OPERATOR)


@pytest.fixture
def supervisor(db):
    return UserFactory(username="sup", role=Role.SUPERVISOR)


@pytest.fixture
def manager(db):
    return UserFactory(username="mgr", role=Role.MANAGEMENT)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """An APIClient authenticated as the given user (or anonymous for None)."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


def _otp_backend(kind: str, request, settings):
    from django.core.cache import cache

    if kind == "redis":
        backend = request.getfixturevalue("redis_cache")
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "staff-otp-tests",
            }
        }
        backend = cache
        backend.clear()
    settings.OTP_RETURN_CODE = True
    settings.OTP_TTL = 300
    settings.OTP_MAX_ATTEMPTS = 3
    settings.OTP_RESEND_COOLDOWN = 0
    return backend


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def otp_cache(request, settings):
    """Each OTP test runs on the local-memory cache and (marked `redis`) on real Redis."""
    backend = _otp_backend(request.param, request, settings)
    yield backend
    backend.clear()


@pytest.fixture
def otp_locmem(request, settings):
    """The local-memory cache only: for tests that move the clock (Redis expires server-side)."""
    backend = _otp_backend("locmem", request, settings)
    yield backend
    backend.clear()
