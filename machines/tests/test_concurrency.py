"""Real threads against PostgreSQL: the database decides every race."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from config.roles import Role
from config.testing import run_threads
from machines import services
from machines.models import Machine, SensorReading, SystemConfigChange
from machines.tests.factories import MachineFactory
from machines.timeseries import Point, get_store
from staff.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_creates_of_one_name_one_wins_one_409():
    user = UserFactory(role=Role.SUPERVISOR)
    body = {"name": "Racer", "location": "L", "sensor_type": "S"}

    def create(index: int) -> int:
        client = APIClient()
        client.force_authenticate(user)
        return client.post(reverse("machines-create"), body).status_code

    statuses = sorted(run_threads(8, create))
    assert statuses == [201] + [409] * 7
    assert Machine.objects.filter(name="Racer").count() == 1


def test_racing_config_changes_form_one_unbroken_history():
    def change(index: int) -> None:
        services.systemsetting_set(name="max_temperature_threshold", value=f"{90 + index}.0", actor=None)

    run_threads(8, change)
    history = list(SystemConfigChange.objects.filter(name="max_temperature_threshold").order_by("id"))
    # Each change's old value is the previous change's new value: none was read stale.
    for earlier, later in itertools.pairwise(history):
        assert later.old_value == earlier.new_value
    assert len(history) == 9


def test_racing_writes_of_one_reading_leave_one_row():
    from datetime import UTC, datetime

    machine = MachineFactory()
    at = datetime(2026, 3, 1, tzinfo=UTC)

    def write(index: int) -> None:
        get_store().write([Point(machine.pk, at, "T", "Z", temperature=float(index))])

    run_threads(8, write)
    assert SensorReading.objects.filter(machine=machine).count() == 1


def test_racing_writers_of_one_hour_keep_the_rollup_exact():
    from datetime import UTC, datetime, timedelta

    from machines.models import SensorRollup

    machine = MachineFactory()
    hour = datetime(2026, 3, 1, 10, tzinfo=UTC)

    def write(index: int) -> None:
        get_store().write(
            [
                Point(machine.pk, hour + timedelta(minutes=index * 5 + k), "T", "Z", speed=float(index))
                for k in range(3)
            ]
        )

    run_threads(8, write)
    rollup = SensorRollup.objects.get(machine=machine, hour=hour)
    assert rollup.speed_count == 24
    assert rollup.speed_sum == sum(3.0 * i for i in range(8))
