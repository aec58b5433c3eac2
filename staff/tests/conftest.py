"""Fixtures for the staff tests: a position and the OTP cache on both backends (users and API
clients come from the root conftest)."""

from __future__ import annotations

import pytest

from staff.tests.factories import PositionFactory


@pytest.fixture
def position(db):
    return PositionFactory(name="Operator Mesin", description="Menjalankan mesin produksi")


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
