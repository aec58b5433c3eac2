from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sensors.choices import DataStatus, SensorType
from sensors.management.commands.archive_sensor_data import parse_age
from sensors.models import Sensor, SensorData, Unit
from sensors.tests.factories import SensorDataFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- seed_sensors -------------------------------------------------------------------------------
def test_seed_sensors_creates_the_sample_data_and_is_idempotent():
    run("seed_sensors")
    assert dict(Unit.objects.values_list("name", "location")) == {
        "Factory A – Production Floor": "Building 1, Floor 2",  # noqa: RUF001
        "Warehouse B – Storage Area": "Building 3, Ground Floor",  # noqa: RUF001
        "Office Building C": "Building 2, All Floors",
        "Data Center": "Building 4, Basement",
    }
    assert set(Sensor.objects.values_list("sensor_type", flat=True)) == set(SensorType.values)
    units_by_type = dict(SensorData.objects.values_list("sensor__sensor_type", "unit").distinct())
    assert units_by_type == {
        "temperature": "celsius",
        "humidity": "percent",
        "pressure": "pascal",
        "motion": "count",
        "light": "lux",
        "sound": "decibel",
    }
    total = SensorData.objects.count()
    assert 200 <= total <= 600
    assert set(SensorData.objects.values_list("status", flat=True)) == set(DataStatus.values)
    oldest = SensorData.objects.order_by("timestamp").first().timestamp
    assert timezone.now() - timedelta(days=4) < oldest < timezone.now() - timedelta(days=1)

    counts = (Unit.objects.count(), Sensor.objects.count(), total)
    run("seed_sensors")
    assert (Unit.objects.count(), Sensor.objects.count(), SensorData.objects.count()) == counts


def test_seed_demo_includes_the_sensors():
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Unit.objects.filter(name="Data Center").exists()


# --- archive_sensor_data ------------------------------------------------------------------------
def _old(days: int, status: str, count: int = 1) -> list[SensorData]:
    return SensorDataFactory.create_batch(
        count, status=status, timestamp=timezone.now() - timedelta(days=days)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
        ("30m", timedelta(minutes=30)),
        ("90", timedelta(seconds=90)),  # the shared grammar (config.durations): a bare number is seconds
    ],
)
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["d", "0d", "-1d", "1y", "ninety days"])
def test_bad_age_is_a_command_error(text):
    with pytest.raises(CommandError):
        parse_age(text)


def test_archive_command_in_batches_then_rerun_finds_nothing():
    old = _old(100, "validated", 5) + _old(120, "pending", 2)
    recent = _old(5, "validated", 2)
    with CaptureQueriesContext(connection) as queries:
        out = run("archive_sensor_data", "--older-than", "90d", "--batch-size", "3")
    updates = [q for q in queries.captured_queries if q["sql"].upper().startswith("UPDATE")]
    assert len(updates) == 3
    assert "batch 1: archived 3 (total 3)" in out
    assert "batch 3: archived 1 (total 7)" in out
    assert "Archived 7 readings older than 90d." in out
    assert SensorData.objects.filter(pk__in=[r.pk for r in old], status="archived").count() == 7
    assert SensorData.objects.filter(pk__in=[r.pk for r in recent], status="validated").count() == 2

    again = run("archive_sensor_data", "--older-than", "90d", "--batch-size", "3")
    assert "Archived 0 readings older than 90d." in again
    assert "batch" not in again.split("\n", 1)[1]


def test_archive_command_dry_run_changes_nothing():
    _old(100, "validated", 4)
    out = run("archive_sensor_data", "--older-than", "90d", "--dry-run", "--batch-size", "3")
    assert "batch 2: would archive 1 (total 4)" in out
    assert "Dry run: would archive 4 readings older than 90d." in out
    assert not SensorData.objects.filter(status="archived").exists()


def test_archive_command_status_filter():
    validated = _old(100, "validated", 2)
    pending = _old(100, "pending", 3)
    invalid = _old(100, "invalid", 1)
    out = run("archive_sensor_data", "--older-than", "90d", "--status", "validated", "--status", "invalid")
    assert "Archived 3 readings" in out
    assert (
        SensorData.objects.filter(pk__in=[r.pk for r in validated + invalid], status="archived").count() == 3
    )
    assert SensorData.objects.filter(pk__in=[r.pk for r in pending], status="pending").count() == 3


@pytest.mark.parametrize(
    "args",
    [
        ["--older-than", "soon"],
        ["--older-than", "90d", "--batch-size", "0"],
    ],
)
def test_archive_command_bad_arguments(args):
    with pytest.raises(CommandError):
        run("archive_sensor_data", *args)


def test_archive_command_refuses_archived_as_a_status():
    with pytest.raises(CommandError):
        call_command("archive_sensor_data", "--older-than", "1d", "--status", "archived", stderr=StringIO())
