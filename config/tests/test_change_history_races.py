"""Change records under races (PostgreSQL, real threads): one record per change that happened, none
for a refused one; a lock status change stays one statement with its log row and its record."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import history
from config.errors import DomainError
from config.testing import run_threads
from locks import services as lock_services
from locks.models import Device, DeviceLog
from locks.tests.factories import DeviceFactory
from sensors import services as sensor_services
from sensors.models import SensorData
from sensors.tests.factories import SensorDataFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_lock_changes_leave_one_record_per_logged_change():
    device = DeviceFactory(status="locked")

    def attempt(index: int) -> bool:
        try:
            lock_services.device_change_status(
                device_id=device.pk, new_status="unlocked", expected_version=0, actor=None, note=f"c{index}"
            )
        except DomainError:  # the losers' 409
            return False
        return True

    results = run_threads(12, attempt)
    assert results.count(True) == 1
    records = list(history.history_of(Device, device.pk))
    assert len(records) == DeviceLog.objects.filter(device=device).count() == 1
    assert records[0].changes == {"status": ["locked", "unlocked"], "version_id": [0, 1]}


def test_racing_validates_leave_one_record():
    reading = SensorDataFactory(status="pending")

    def attempt(_: int) -> bool:
        try:
            sensor_services.sensordata_validate(sensordata_id=reading.pk, actor=None)
        except DomainError:  # the losers' 409
            return False
        return True

    results = run_threads(8, attempt)
    assert results.count(True) == 1
    [record] = history.history_of(SensorData, reading.pk)
    assert record.changes == {"status": ["pending", "validated"]}


def test_a_lock_status_change_is_one_statement_with_its_log_and_record():
    device = DeviceFactory(status="locked")
    lock_services.device_change_status(
        device_id=device.pk, new_status="unlocked", expected_version=0, actor=None
    )
    with CaptureQueriesContext(connection) as queries:
        lock_services.device_change_status(
            device_id=device.pk, new_status="locked", expected_version=1, actor=None
        )
    writes = [q["sql"] for q in queries.captured_queries if "platform_changerecord" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith("WITH changed AS (UPDATE")
    assert len(history.history_of(Device, device.pk)) == 2
