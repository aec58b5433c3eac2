"""The machines services and selectors called directly (no HTTP, no broker): the registry rules,
the one ingest service from both sources, the system settings and retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.core.exceptions import ValidationError

from machines import selectors, services
from machines.checks import parse_ingest
from machines.exceptions import (
    IngestTooLarge,
    InvalidSetting,
    MachineDuplicate,
    MachineLookupUnavailable,
    MachineNotFound,
)
from machines.models import Machine, SensorReading, SystemConfig, SystemConfigChange
from machines.mqtt import Reason, TelemetryMessage, parse_message
from machines.services import TelemetryValues, telemetry_store
from machines.services.ingest import gateway_telemetry
from machines.tests.factories import MachineFactory
from machines.timeseries import Point
from machines.timeseries.sql import SQLStore

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class RecordingStore:
    """Keeps what it is asked to write (and how often)."""

    name = "recording"

    def __init__(self) -> None:
        self.writes: list[list[Point]] = []

    def write(self, points) -> int:
        self.writes.append(list(points))
        return len(points)


@pytest.fixture
def registry_queries(monkeypatch) -> list:
    """Each registry query the machine lookup makes (its cache's miss path)."""
    calls: list = []
    real = selectors._records_from_db

    def counting(machine_ids):
        calls.append(sorted(machine_ids))
        return real(machine_ids)

    monkeypatch.setattr(selectors, "_records_from_db", counting)
    return calls


# --- registry -------------------------------------------------------------------------------------
def test_machine_create_registers_and_a_taken_name_is_refused():
    machine = services.machine_create(name="Mill-1", location="Hall", sensor_type="Speed", actor=None)
    assert Machine.objects.get(pk=machine.pk).status == "active"
    with pytest.raises(MachineDuplicate):
        services.machine_create(name="Mill-1", location="Other", sensor_type="Speed", actor=None)
    assert Machine.objects.count() == 1


def test_machine_create_cleans_its_fields():
    with pytest.raises(ValidationError):
        services.machine_create(name="Mill\x00", location="Hall", sensor_type="Speed", actor=None)
    assert not Machine.objects.exists()


def test_machine_update_compares_with_the_stored_row_and_refuses_a_taken_name():
    MachineFactory(name="Taken")
    machine = MachineFactory(name="Before")
    machine.name = "After"  # as the admin's form hands it over: already modified
    services.machine_update(machine=machine, name="After", actor=None)
    assert Machine.objects.get(pk=machine.pk).name == "After"
    with pytest.raises(MachineDuplicate):
        services.machine_update(machine=machine, name="Taken", actor=None)
    assert Machine.objects.get(pk=machine.pk).name == "After"


def test_machine_delete_takes_its_points():
    machine = MachineFactory()
    SQLStore().write([Point(machine.pk, T0, "T", "L", speed=1.0)])
    services.machine_delete(machine=machine, actor=None)
    assert not Machine.objects.exists()
    assert not SensorReading.objects.exists()


# --- selectors ------------------------------------------------------------------------------------
def test_machine_list_pages_by_name_filters_and_counts():
    for name, location in (("C", "Hall 1"), ("A", "Hall 1"), ("B", "Hall 2")):
        MachineFactory(name=name, location=location)
    page = selectors.machine_list(filters=selectors.MachineListFilters(), limit=2, offset=0)
    assert [m.name for m in page.machines] == ["A", "B"]
    assert page.total == 3
    hall1 = selectors.machine_list(
        filters=selectors.MachineListFilters(location="Hall 1"), limit=10, offset=0
    )
    assert ([m.name for m in hall1.machines], hall1.total) == (["A", "C"], 2)


def test_machine_get_answers_the_record_or_not_found():
    machine = MachineFactory(name="Press", location="Bay")
    record = selectors.machine_get(machine_id=machine.pk)
    assert (record.machine_id, record.name, record.location) == (machine.pk, "Press", "Bay")
    with pytest.raises(MachineNotFound):
        selectors.machine_get(machine_id=uuid.uuid4())


@pytest.mark.redis
def test_a_machine_registered_after_a_miss_is_found_at_once(
    machines_redis_cache, registry_queries, django_capture_on_commit_callbacks
):
    missing = uuid.uuid4()
    assert selectors.machine_lookup_many(machine_ids=[missing]) == {}
    assert selectors.machine_lookup_many(machine_ids=[missing]) == {}
    assert len(registry_queries) == 1  # the miss is remembered
    with django_capture_on_commit_callbacks(execute=True):
        services.machine_create(machine_id=missing, name="Late", location="L", sensor_type="S", actor=None)
    assert selectors.machine_lookup_many(machine_ids=[missing])[missing].name == "Late"


# --- ingest: one service, two sources ---------------------------------------------------------
def http_values(machine_id, count: int, sensor_type: str = "Temperature") -> list[TelemetryValues]:
    """What the HTTP view hands the service: a gateway batch checked by parse_ingest."""
    body = {
        "gateway_id": "gw",
        "timestamp": "2026-03-01T08:00:00Z",
        "batch": [
            {
                "machine_id": str(machine_id),
                "sensor_type": sensor_type,
                "location": "What the gateway says",
                "readings": [
                    {"timestamp": (T0 + timedelta(seconds=i)).isoformat(), "temperature": 20.0 + i}
                    for i in range(count)
                ],
            }
        ],
    }
    batch, errors = parse_ingest(body)
    assert batch is not None, errors
    return gateway_telemetry(batch)


def mqtt_values(machine_id, count: int, sensor_type: str = "Temperature") -> list[TelemetryMessage]:
    """What the subscriber hands the service: telemetry messages checked by parse_message."""
    parsed = [
        parse_message(
            f"factory/F1/machine/{machine_id}/telemetry",
            orjson.dumps(
                {
                    "timestamp": (T0 + timedelta(seconds=i)).isoformat(),
                    "sensor_type": sensor_type,
                    "temperature": 20.0 + i,
                }
            ),
        )
        for i in range(count)
    ]
    assert all(isinstance(p, TelemetryMessage) for p in parsed), parsed
    return parsed


@pytest.mark.parametrize("values", [http_values, mqtt_values], ids=["http", "mqtt"])
def test_both_sources_store_the_same_points_located_by_the_registry(values, registry_queries):
    machine = MachineFactory(location="Registry Hall")
    store = RecordingStore()
    result = telemetry_store(readings=values(machine.pk, 3), source="test", actor=None, store=store)
    assert (result.stored, result.unknown, dict(result.dropped)) == (3, set(), {})
    assert len(store.writes) == 1  # one store write per call
    assert store.writes[0] == [
        Point(machine.pk, T0 + timedelta(seconds=i), "Temperature", "Registry Hall", 20.0 + i)
        for i in range(3)
    ]
    assert len(registry_queries) == 1  # one lookup for the whole batch


def test_http_and_mqtt_give_identical_points():
    machine = MachineFactory()
    via_http, via_mqtt = RecordingStore(), RecordingStore()
    telemetry_store(
        readings=http_values(machine.pk, 5, "Pressure"), source="http", actor=None, store=via_http
    )
    telemetry_store(
        readings=mqtt_values(machine.pk, 5, "Pressure"), source="mqtt", actor=None, store=via_mqtt
    )
    assert via_http.writes == via_mqtt.writes


@pytest.mark.parametrize("values", [http_values, mqtt_values], ids=["http", "mqtt"])
def test_unknown_machines_are_dropped_and_counted_by_reason(values):
    known, stranger = MachineFactory(), uuid.uuid4()
    store = RecordingStore()
    readings = values(known.pk, 2) + values(stranger, 3)
    result = telemetry_store(readings=readings, source="test", actor=None, store=store)
    assert result.stored == 2
    assert result.unknown == {stranger}
    assert dict(result.dropped) == {Reason.UNKNOWN_MACHINE: 3}
    assert {p.machine_id for p in store.writes[0]} == {known.pk}


def test_nothing_is_written_when_no_machine_is_known():
    store = RecordingStore()
    result = telemetry_store(readings=mqtt_values(uuid.uuid4(), 2), source="mqtt", actor=None, store=store)
    assert (result.stored, store.writes) == (0, [])


def test_too_many_rollup_hours_refuse_the_whole_call():
    machine = MachineFactory()
    readings = [TelemetryValues(machine.pk, T0 + timedelta(hours=h), "T", speed=1.0) for h in range(3)]
    store = RecordingStore()
    with pytest.raises(IngestTooLarge):
        telemetry_store(readings=readings, source="http", actor=None, store=store, max_hours=2)
    assert store.writes == []
    assert telemetry_store(readings=readings, source="http", actor=None, store=store, max_hours=3).stored == 3


def test_a_failed_machine_lookup_is_an_outage_not_a_refusal(monkeypatch):
    from machines.timeseries.errors import is_outage

    def down(machine_ids):
        raise ConnectionError("registry cache down")

    monkeypatch.setattr(selectors, "_records_from_db", down)
    with pytest.raises(MachineLookupUnavailable) as caught:
        telemetry_store(
            readings=mqtt_values(uuid.uuid4(), 1), source="mqtt", actor=None, store=RecordingStore()
        )
    assert is_outage(caught.value)


def test_the_real_store_upserts_a_repeated_point():
    machine = MachineFactory()
    store = SQLStore()
    telemetry_store(readings=mqtt_values(machine.pk, 2), source="mqtt", actor=None, store=store)
    telemetry_store(readings=http_values(machine.pk, 2), source="http", actor=None, store=store)
    assert SensorReading.objects.filter(machine=machine).count() == 2


# --- system settings and retention ----------------------------------------------------------------
def test_config_set_records_old_and_new_and_the_cache_follows():
    services.systemsetting_set(name="note", value="one", actor=None)
    change = services.systemsetting_set(name="note", value="two", actor=None)
    assert (change.old_value, change.new_value) == ("one", "two")
    assert SystemConfigChange.objects.filter(name="note").count() == 2
    assert selectors.systemsetting_get(name="note") == "two"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_temperature_threshold", "1_000"),
        ("data_retention_days", "0"),
        ("alert_email", "nope"),
        ("", "x"),
    ],
)
def test_config_set_refuses_bad_values_and_records_nothing(name, value):
    before = SystemConfigChange.objects.count()
    with pytest.raises(InvalidSetting):
        services.systemsetting_set(name=name, value=value, actor=None)
    assert SystemConfigChange.objects.count() == before


def test_a_setting_the_system_reads_cannot_be_deleted():
    services.systemsetting_set(name="data_retention_days", value="30", actor=None)
    setting = SystemConfig.objects.get(name="data_retention_days")
    with pytest.raises(InvalidSetting):
        services.systemsetting_delete(setting=setting, actor=None)


def test_purge_drops_points_older_than_the_retention():
    machine = MachineFactory()
    now = datetime(2026, 3, 31, tzinfo=UTC)
    SQLStore().write(
        [
            Point(machine.pk, now - timedelta(days=40), "T", "L", speed=1.0),
            Point(machine.pk, now, "T", "L", speed=2.0),
        ]
    )
    cutoff, _ = services.telemetry_purge(now=now, days=30)
    assert cutoff == now - timedelta(days=30)
    assert list(SensorReading.objects.values_list("speed", flat=True)) == [2.0]
