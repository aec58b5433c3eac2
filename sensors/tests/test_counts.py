"""X-Total-Count of reading lists: cached between writes, never stale after a write through the
services (SENSORS_COUNT_CACHE_TTL > 0 on a shared cache, the default with REDIS_URL)."""

from __future__ import annotations

import pytest

from sensors.tests.factories import SensorDataFactory, SensorFactory

pytestmark = pytest.mark.django_db

LIST = "/api/sensor-data/"


@pytest.fixture
def counting(settings, monkeypatch):
    settings.SENSORS_COUNT_CACHE_TTL = 300
    # One process here, so its local-memory cache may stand in for the shared one
    # (config.cache.cache_is_shared keeps answer caches off on a per-process cache).
    monkeypatch.setattr("config.cache.cache_is_shared", lambda: True)


def total(response) -> int:
    assert response.status_code in (200, 201), response.content
    return int(response["X-Total-Count"])


def test_a_full_page_counts_once_then_reads_the_cached_count(
    counting, superuser_client, django_assert_num_queries
):
    SensorDataFactory.create_batch(5)
    with django_assert_num_queries(2):
        assert total(superuser_client.get(LIST, {"limit": 2})) == 5
    with django_assert_num_queries(1):
        assert total(superuser_client.get(LIST, {"limit": 2})) == 5
    # Each filter combination has its own count.
    with django_assert_num_queries(2):
        assert total(superuser_client.get(LIST, {"limit": 2, "status": "pending"})) == 5


def test_every_write_through_the_services_refreshes_the_counts(counting, superuser_client):
    sensor = SensorFactory()
    readings = SensorDataFactory.create_batch(3, sensor=sensor)
    page = {"limit": 1}
    pending = {"limit": 1, "status": "pending"}
    assert (total(superuser_client.get(LIST, page)), total(superuser_client.get(LIST, pending))) == (3, 3)

    superuser_client.post(LIST, {"sensor_id": sensor.pk, "value": 1})
    assert (total(superuser_client.get(LIST, page)), total(superuser_client.get(LIST, pending))) == (4, 4)

    superuser_client.put(f"{LIST}{readings[0].pk}/validate")
    assert (total(superuser_client.get(LIST, page)), total(superuser_client.get(LIST, pending))) == (4, 3)

    superuser_client.put(f"{LIST}{readings[1].pk}/archive")
    assert total(superuser_client.get(LIST, pending)) == 2

    superuser_client.delete(f"{LIST}{readings[2].pk}")
    assert (total(superuser_client.get(LIST, page)), total(superuser_client.get(LIST, pending))) == (3, 1)

    superuser_client.delete(f"/api/sensors/{sensor.pk}")
    assert total(superuser_client.get(LIST, page)) == 0


def test_unit_delete_refreshes_the_counts(counting, superuser_client):
    reading = SensorDataFactory()
    SensorDataFactory()
    assert total(superuser_client.get(LIST, {"limit": 1})) == 2
    superuser_client.delete(f"/api/units/{reading.sensor.unit_id}")
    assert total(superuser_client.get(LIST, {"limit": 1})) == 1


def test_archive_command_refreshes_the_counts(counting, superuser_client):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    SensorDataFactory.create_batch(2, timestamp=timezone.now() - timedelta(days=100))
    assert total(superuser_client.get(LIST, {"limit": 1, "status": "pending"})) == 2
    call_command("archive_sensor_data", "--older-than", "90d", stdout=StringIO())
    assert total(superuser_client.get(LIST, {"limit": 1, "status": "pending"})) == 0


def test_without_the_cache_every_full_page_counts(settings, superuser_client, django_assert_num_queries):
    settings.SENSORS_COUNT_CACHE_TTL = 0
    SensorDataFactory.create_batch(3)
    for _ in range(2):
        with django_assert_num_queries(2):
            assert total(superuser_client.get(LIST, {"limit": 2})) == 3


@pytest.mark.redis
def test_counts_cached_in_redis(counting, redis_cache, superuser_client, django_assert_num_queries):
    sensor = SensorFactory()
    SensorDataFactory.create_batch(3, sensor=sensor)
    assert total(superuser_client.get(LIST, {"limit": 1})) == 3
    with django_assert_num_queries(1):
        assert total(superuser_client.get(LIST, {"limit": 1})) == 3
    superuser_client.post(LIST, {"sensor_id": sensor.pk, "value": 2})
    assert total(superuser_client.get(LIST, {"limit": 1})) == 4
