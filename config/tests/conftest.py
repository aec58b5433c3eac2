"""Fixtures shared by the platform's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches

from config.tests.test_faults import PrivateRedis, redis_caches
from config.tracked_cache import reset_mirrors


@pytest.fixture
def private_redis(settings) -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    saved = settings.CACHES
    settings.CACHES = redis_caches(server.url)
    settings.SENSORS_COUNT_CACHE_TTL = 60  # the reading counts are cached: invalidated on each write
    try:
        yield server
    finally:
        # Every process-local mirror of its keys (config.tracked_cache) goes with it.
        reset_mirrors()
        for alias in ("default", "security"):
            caches[alias].close()
        # Back on the run's cache before the suite's cleanup empties it.
        settings.CACHES = saved
        server.close()
