from __future__ import annotations

import os

import pytest

from machines.tests.factories import MachineFactory


@pytest.fixture
def machine(db):
    return MachineFactory(
        name="CNC-Machine-01", location="Factory Floor 1 - Zone A", sensor_type="Temperature"
    )


@pytest.fixture
def influx():
    """A fake InfluxDB 2 on loopback (machines/tests/influx_fake.py): (state, store)."""
    from machines.tests.influx_fake import FakeInflux, start
    from machines.timeseries.influx import AGGREGATE_FLUX, RAW_FLUX, InfluxStore

    state = FakeInflux()
    server = start(state, (RAW_FLUX, AGGREGATE_FLUX))
    store = InfluxStore(url=state.url, token="test-token", org="factory", bucket="sensor_data")
    yield state, store
    store.close()
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["sql", "influx"])
def store(request, db):
    """Each time-series backend (the contract suite runs once per backend)."""
    if request.param == "influx":
        return request.getfixturevalue("influx")[1]
    from machines.timeseries.sql import SQLStore

    return SQLStore()


@pytest.fixture
def machines_redis_cache(settings):
    """Like the suite's `redis_cache`, but on this app's Redis database (5) when REDIS_URL is unset."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            "KEY_PREFIX": f"test-machines-{os.getpid()}",
        }
    }
    cache.delete_pattern("*")
    yield cache
    cache.delete_pattern("*")
