"""The app's commands: demo data, retention purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from machines import services
from machines.models import Machine, SensorReading
from machines.timeseries import Point, get_store


def test_seed_demo_is_idempotent_and_gives_a_day_of_telemetry(db):
    call_command("seed_demo", "--force", stdout=StringIO())
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Machine.objects.count() == 7
    assert Machine.objects.get(name="Compressor-A2").status == "maintenance"
    assert Machine.objects.get(name="Cooling-Unit-01").status == "error"
    press = Machine.objects.get(name="Hydraulic-Press-01")
    assert (press.location, press.sensor_type) == ("Factory Floor 3 - Zone A", "Pressure")
    assert SensorReading.objects.filter(machine=press).count() == 24 * 60
    assert SensorReading.objects.filter(machine=press, pressure__isnull=True).count() == 0
    assert SensorReading.objects.count() == 7 * 24 * 60


def test_purge_applies_the_retention_setting(db, machine, django_capture_on_commit_callbacks):
    now = timezone.now()
    get_store().write(
        [
            Point(machine.pk, now - timedelta(days=400), "T", "Z", temperature=1.0),
            Point(machine.pk, now - timedelta(days=40), "T", "Z", temperature=2.0),
            Point(machine.pk, now - timedelta(days=1), "T", "Z", temperature=3.0),
        ]
    )
    out = StringIO()
    call_command("purge_telemetry", stdout=out)
    assert "deleted 1 readings" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        services.systemsetting_set(name="data_retention_days", value="30", actor=None)
    call_command("purge_telemetry", stdout=StringIO())
    assert list(SensorReading.objects.values_list("temperature", flat=True)) == [3.0]


def test_purge_days_option(db, machine):
    get_store().write([Point(machine.pk, datetime(2020, 1, 1, tzinfo=UTC), "T", "Z", speed=1.0)])
    call_command("purge_telemetry", "--days", "1", stdout=StringIO())
    assert not SensorReading.objects.exists()
    with pytest.raises(CommandError):
        call_command("purge_telemetry", "--days", "0")


def _bypass_store(machine, *speeds: float) -> None:
    SensorReading.objects.bulk_create(
        [
            SensorReading(
                machine=machine,
                timestamp=datetime(2026, 3, 1, 10, i, tzinfo=UTC),
                sensor_type="T",
                location="Z",
                speed=speed,
            )
            for i, speed in enumerate(speeds)
        ]
    )


@pytest.mark.postgres
def test_rebuild_rollup_summarises_readings_loaded_around_the_store(db, machine):
    from machines.models import SensorRollup

    _bypass_store(machine, 1.0, 2.0, 6.0)
    assert not SensorRollup.objects.exists()
    out = StringIO()
    call_command("rebuild_rollup", stdout=out)
    assert "1 machine-hours" in out.getvalue()
    rollup = SensorRollup.objects.get(machine=machine)
    assert (rollup.speed_count, rollup.speed_sum, rollup.temperature_count) == (3, 9.0, 0)


def test_rebuild_rollup_is_a_no_op_off_postgresql(db, machine, settings):
    from django.db import connection

    if connection.vendor == "postgresql":
        settings.INFLUXDB_URL = "http://127.0.0.1:9"
        expected = "not the SQL store"
    else:
        expected = "0 machine-hours"
    out = StringIO()
    call_command("rebuild_rollup", stdout=out)
    assert expected in out.getvalue()
    settings.INFLUXDB_URL = ""
