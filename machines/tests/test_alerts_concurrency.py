"""Real threads against PostgreSQL: racing ingests open one alert per condition, racing
acknowledgements have one winner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.testing import run_threads
from machines import services
from machines.exceptions import AlertAlreadyAcknowledged
from machines.models import Alert
from machines.services.ingest import TelemetryValues
from machines.tests.factories import MachineFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def test_racing_ingests_of_one_condition_open_one_alert_counting_every_reading():
    machine = MachineFactory()
    threads = 8

    def ingest(index: int) -> int:
        # Two conditions per batch (temperature and pressure): the upsert writes them in key order.
        reading = TelemetryValues(
            machine.pk, T0 + timedelta(seconds=index), "T", temperature=81.0 + index, pressure=160.0 + index
        )
        return services.telemetry_store(readings=[reading], source="race", actor=None).stored

    assert run_threads(threads, ingest) == [1] * threads
    rows = list(Alert.objects.order_by("metric"))
    assert [(alert.metric, alert.closed_at) for alert in rows] == [("pressure", None), ("temperature", None)]
    pressure, temperature = rows
    assert (temperature.count, temperature.peak_value) == (threads, 81.0 + threads - 1)
    assert temperature.severity == "warning"  # 88 is 110 % of 80, not above it
    assert (pressure.count, pressure.peak_value, pressure.severity) == (threads, 167.0, "critical")
    assert temperature.last_value == 81.0 + threads - 1 and temperature.last_seen == T0 + timedelta(seconds=7)


def test_racing_acknowledgements_have_one_winner():
    machine = MachineFactory()
    alert = Alert.objects.create(
        machine=machine,
        metric="temperature",
        bound="max",
        severity="warning",
        threshold=80.0,
        last_value=81.0,
        peak_value=81.0,
        first_seen=T0,
        last_seen=T0,
    )

    def acknowledge(index: int) -> str:
        try:
            services.alert_acknowledge(alert_id=alert.pk, actor=None)
        except AlertAlreadyAcknowledged:
            return "conflict"
        return "ok"

    assert sorted(run_threads(8, acknowledge)) == ["conflict"] * 7 + ["ok"]
