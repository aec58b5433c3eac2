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
        services.config_set(name="data_retention_days", value="30", actor=None)
    call_command("purge_telemetry", stdout=StringIO())
    assert list(SensorReading.objects.values_list("temperature", flat=True)) == [3.0]


def test_purge_days_option(db, machine):
    get_store().write([Point(machine.pk, datetime(2020, 1, 1, tzinfo=UTC), "T", "Z", speed=1.0)])
    call_command("purge_telemetry", "--days", "1", stdout=StringIO())
    assert not SensorReading.objects.exists()
    with pytest.raises(CommandError):
        call_command("purge_telemetry", "--days", "0")
