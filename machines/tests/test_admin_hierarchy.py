"""The telemetry change list's date hierarchy comes from the hourly rollup (issue 18): the same
links as Django's, without MIN/MAX/DISTINCT over the readings table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from machines.models import SensorReading, SensorRollup
from machines.tests.factories import MachineFactory
from machines.timeseries import Point
from machines.timeseries.sql import SQLStore

URL = reverse("admin:machines_sensorreading_changelist")
STAMPS = [
    datetime(2025, 11, 15, 10, tzinfo=UTC),
    datetime(2025, 12, 15, 10, tzinfo=UTC),
    datetime(2026, 3, 10, 10, tzinfo=UTC),
    datetime(2026, 3, 12, 10, 30, tzinfo=UTC),
]


def _write(machine, *stamps: datetime) -> None:
    SQLStore().write(
        [
            Point(machine.pk, stamp, "Temperature", "Zone A", temperature=20.0 + i)
            for i, stamp in enumerate(stamps)
        ]
    )


def _readings_aggregates(queries: list[dict]) -> list[str]:
    """The captured statements that aggregate or de-duplicate over the readings table."""
    table = f'"{SensorReading._meta.db_table}"'
    return [
        q["sql"]
        for q in queries
        if table in q["sql"] and any(word in q["sql"].upper() for word in ("MIN(", "MAX(", "DISTINCT"))
    ]


def _get(client, query: str = ""):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL + query)
    assert response.status_code == 200
    return response, captured.captured_queries


@pytest.mark.postgres
def test_years_months_and_days_come_from_the_rollup(admin_client, machine):
    _write(machine, *STAMPS)
    assert SensorRollup.objects.filter(machine=machine).count() == 4

    response, queries = _get(admin_client)
    html = response.content.decode()
    assert 'href="?timestamp__year=2025"' in html and 'href="?timestamp__year=2026"' in html
    assert _readings_aggregates(queries) == []

    response, queries = _get(admin_client, "?timestamp__year=2025")
    html = response.content.decode()
    assert "timestamp__month=11" in html and "timestamp__month=12" in html
    assert "timestamp__month=3" not in html
    assert response.context["cl"].result_count == 2
    assert _readings_aggregates(queries) == []

    response, queries = _get(admin_client, "?timestamp__month=3&timestamp__year=2026")
    html = response.content.decode()
    assert "timestamp__day=10" in html and "timestamp__day=12" in html
    assert "timestamp__day=11" not in html
    assert response.context["cl"].result_count == 2
    assert _readings_aggregates(queries) == []

    response, _ = _get(admin_client, "?timestamp__day=12&timestamp__month=3&timestamp__year=2026")
    assert response.context["cl"].result_count == 1
    assert 'href="?timestamp__month=3&amp;timestamp__year=2026"' in response.content.decode()


@pytest.mark.postgres
def test_the_machine_filter_narrows_the_hierarchy(admin_client, machine):
    _write(machine, *STAMPS)
    other = MachineFactory()
    _write(other, datetime(2026, 3, 10, 9, tzinfo=UTC))

    response, queries = _get(admin_client, f"?machine__id__exact={other.pk}")
    html = response.content.decode()
    # One year and one month of readings: Django starts at that month's days, as it would itself.
    assert "timestamp__day=10" in html and "timestamp__day=12" not in html
    assert "timestamp__year=2025" not in html
    assert response.context["cl"].result_count == 1
    assert _readings_aggregates(queries) == []


@pytest.mark.postgres
def test_readings_loaded_around_the_store_fall_back_to_django(admin_client, machine):
    SensorReading.objects.bulk_create(
        [
            SensorReading(machine=machine, timestamp=stamp, sensor_type="T", location="Z", speed=1.0)
            for stamp in STAMPS
        ]
    )
    assert not SensorRollup.objects.exists()

    response, queries = _get(admin_client)
    html = response.content.decode()
    assert 'href="?timestamp__year=2025"' in html and 'href="?timestamp__year=2026"' in html
    assert _readings_aggregates(queries) != []


@pytest.mark.postgres
def test_a_filter_the_rollup_cannot_apply_falls_back_to_django(admin_client, machine):
    _write(machine, *STAMPS)

    response, queries = _get(admin_client, "?timestamp__from=2026-01-01&timestamp__to=2026-12-31")
    html = response.content.decode()
    # Only 2026 matches the range: Django's own hierarchy starts at March 2026's days.
    assert "timestamp__day=10" in html and "timestamp__year=2025" not in html
    assert response.context["cl"].result_count == 2
    assert _readings_aggregates(queries) != []


@pytest.mark.postgres
def test_the_hierarchy_uses_the_viewers_time_zone_like_the_filter(admin_client, machine, settings):
    settings.ADMIN_TIME_ZONE = "Asia/Jakarta"
    # 20:00 UTC on New Year's Eve is 03:00 on 1 January 2026 in Jakarta (UTC+7).
    _write(machine, datetime(2025, 6, 15, 10, tzinfo=UTC), datetime(2025, 12, 31, 20, tzinfo=UTC))

    response, queries = _get(admin_client, "?timestamp__year=2026")
    assert response.context["cl"].result_count == 1
    assert 'href="?timestamp__month=1&amp;timestamp__year=2026"' in response.content.decode()
    assert _readings_aggregates(queries) == []


@pytest.mark.postgres
def test_a_half_hour_zone_falls_back_to_django(admin_client, machine, settings):
    # A UTC hour can straddle two local days at UTC+05:30: only the readings can tell which.
    settings.ADMIN_TIME_ZONE = "Asia/Kolkata"
    _write(machine, *STAMPS)

    response, queries = _get(admin_client)
    assert 'href="?timestamp__year=2025"' in response.content.decode()
    assert _readings_aggregates(queries) != []
