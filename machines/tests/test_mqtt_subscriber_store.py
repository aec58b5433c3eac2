"""The subscriber's store path without a broker: what one message's data makes the store refuse is
dropped as `store_rejected` (the batch is split to find it), only an outage is retried, and no
single message stops the loop (issue 15, findings 5 and 6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, ProgrammingError
from influxdb_client.rest import ApiException

from machines import heartbeat, selectors
from machines.exceptions import StoreUnavailable
from machines.models import SensorReading
from machines.mqtt import Reason, TelemetryMessage
from machines.subscriber import Options, Subscriber, is_outage
from machines.tests.factories import MachineFactory
from machines.timeseries.sql import SQLStore

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def wrapped(error: Exception) -> StoreUnavailable:
    """As the SQL store raises it: StoreUnavailable from the driver's error."""
    try:
        raise StoreUnavailable("Time-series store unavailable") from error
    except StoreUnavailable as exc:
        return exc


class RefusingStore:
    """Refuses (for its data) any batch holding a point whose sensor_type contains NUL, like
    PostgreSQL; optionally fails with an outage first. Gives up the test instead of looping."""

    name = "fake"

    def __init__(self, subscriber_ref: list, outages: list[Exception] | None = None) -> None:
        self.subscriber_ref = subscriber_ref
        self.outages = list(outages or [])
        self.calls = 0
        self.points: list = []

    def write(self, points) -> int:
        self.calls += 1
        if self.calls > 200:
            # The unfixed subscriber retries a refused batch forever: stop it, and the test fails.
            self.subscriber_ref[0].stop()
            raise wrapped(DataError("still refused"))
        if self.outages:
            raise self.outages.pop(0)
        if any("\x00" in p.sensor_type for p in points):
            raise wrapped(DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))
        self.points.extend(points)
        return len(points)

    def close(self) -> None:
        pass


def make_subscriber(store_factory, **options) -> tuple[Subscriber, object]:
    ref: list = []
    store = store_factory(ref)
    defaults = {"url": "mqtt://127.0.0.1:1", "topic": "factory/+/machine/+/telemetry", "client_id": "unit"}
    subscriber = Subscriber(Options(**{**defaults, **options}), store=store)
    ref.append(subscriber)
    return subscriber, store


def reading(machine_id, index: int, sensor_type: str = "Pressure") -> TelemetryMessage:
    return TelemetryMessage("F", machine_id, T0 + timedelta(seconds=index), sensor_type, None, 7.0, None)


def message(machine_id, index: int, **fields) -> tuple:
    body = {
        "timestamp": (T0 + timedelta(seconds=index)).isoformat(),
        "sensor_type": "Pressure",
        "pressure": 7,
    }
    body.update(fields)
    return (0, index + 1, 1, f"factory/F/machine/{machine_id}/telemetry", orjson.dumps(body))


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (wrapped(DataError("NUL")), False),
        (IntegrityError("check constraint"), False),
        (ValueError("from an adapter"), False),
        (TypeError("from a backend"), False),
        (wrapped(ApiException(status=400, reason="Bad Request")), False),
        (wrapped(ApiException(status=422, reason="Unprocessable Entity")), False),
        (wrapped(OperationalError("server closed the connection")), True),
        (wrapped(InterfaceError("connection already closed")), True),
        (wrapped(ProgrammingError('relation "machines_sensorreading" does not exist')), True),
        (wrapped(ConnectionRefusedError()), True),
        (wrapped(TimeoutError()), True),
        (wrapped(ApiException(status=503, reason="Service Unavailable")), True),
        (wrapped(ApiException(status=401, reason="Unauthorized")), True),
        (StoreUnavailable("down"), True),
    ],
)
def test_only_connection_server_and_schema_errors_are_outages(error, outage):
    assert is_outage(error) is outage


def test_refused_messages_are_found_dropped_and_the_rest_stored(db):
    machine = MachineFactory()
    subscriber, store = make_subscriber(RefusingStore, batch_size=100)
    parsed = [reading(machine.pk, i, "P\x00" if i in (13, 77) else "Pressure") for i in range(100)]
    stored = subscriber._store(parsed)
    assert stored == 98
    assert subscriber.stored == 98
    assert dict(subscriber.dropped) == {Reason.STORE_REJECTED: 2}
    assert {p.timestamp for p in store.points} == {T0 + timedelta(seconds=i) for i in range(100)} - {
        T0 + timedelta(seconds=13),
        T0 + timedelta(seconds=77),
    }
    assert store.calls < 40  # a split, not one write per message
    assert not subscriber.stopping.is_set()


def test_a_batch_of_only_the_poison_message_is_dropped_and_acknowledged(db):
    machine = MachineFactory()
    subscriber, _ = make_subscriber(RefusingStore)
    poison = message(machine.pk, 0, sensor_type="P\x00")
    # The parse may let it through (checks.text_error accepts NUL): the store refusal is the net.
    subscriber._parse = lambda topic, payload: reading(machine.pk, 0, "P\x00")
    subscriber._process([poison])
    assert subscriber.acked == 1
    assert dict(subscriber.dropped) == {Reason.STORE_REJECTED: 1}
    assert not subscriber.stopping.is_set()


def test_an_outage_is_retried_and_nothing_counted_twice(db, monkeypatch):
    machine = MachineFactory()
    outages = [wrapped(OperationalError("server closed the connection"))] * 2

    def factory(ref):
        return RefusingStore(ref, outages)

    subscriber, _ = make_subscriber(factory, progress_seconds=0)
    monkeypatch.setattr(subscriber.stopping, "wait", lambda delay: False)  # no real backoff sleep
    beats: list[dict] = []
    monkeypatch.setattr(heartbeat, "beat", beats.append)
    parsed = [reading(machine.pk, i, "P\x00" if i == 5 else "Pressure") for i in range(10)]
    parsed.append(reading(uuid.uuid4(), 99))
    subscriber.in_hand = len(parsed)
    assert subscriber._store(parsed) == 9
    assert subscriber.stored == 9
    assert dict(subscriber.dropped) == {Reason.STORE_REJECTED: 1, Reason.UNKNOWN_MACHINE: 1}
    # While it retried, the heartbeat said so: the outage and the batch it holds.
    assert beats
    assert beats[0]["store_error"].startswith("StoreUnavailable")
    assert beats[0]["backlog"] == len(parsed)
    assert subscriber.store_error is None


def test_stopping_during_an_outage_acknowledges_nothing(db, monkeypatch):
    machine = MachineFactory()

    def factory(ref):
        return RefusingStore(ref, [wrapped(OperationalError("down"))] * 1000)

    subscriber, _ = make_subscriber(factory)
    subscriber.stop()
    with pytest.raises(SystemExit):
        subscriber._process([message(machine.pk, 0)])
    assert subscriber.acked == 0


def test_a_message_whose_parse_raises_is_a_bad_value_and_the_batch_goes_on(db, monkeypatch):
    machine = MachineFactory()
    subscriber, _ = make_subscriber(RefusingStore)

    def parse(topic, payload, topics):
        if b"boom" in payload:
            raise OverflowError("date value out of range")
        from machines.mqtt import parse_message

        return parse_message(topic, payload, topics)

    monkeypatch.setattr("machines.subscriber.parse_message", parse)
    batch = [message(machine.pk, 0), message(machine.pk, 1, sensor_type="boom"), message(machine.pk, 2)]
    subscriber._process(batch)
    assert subscriber.stored == 2
    assert dict(subscriber.dropped) == {Reason.BAD_VALUE: 1}
    assert subscriber.acked == 3


def test_year_one_and_nul_messages_are_dropped_without_an_exception(db):
    machine = MachineFactory()
    subscriber, store = make_subscriber(RefusingStore)
    batch = [
        message(machine.pk, 0),
        message(machine.pk, 1, timestamp="0001-01-01T00:00:00+01:00"),
        message(machine.pk, 2, sensor_type="P\x00"),
        message(machine.pk, 3),
    ]
    subscriber._process(batch)
    assert subscriber.stored == 2
    assert dict(subscriber.dropped) == {Reason.BAD_VALUE: 2}
    assert subscriber.acked == 4
    assert store.calls == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_refusal_of_one_reading_drops_it_and_stores_the_rest():
    """The real SQL store on PostgreSQL, the exact refusal of the issue (a NUL in a tag)."""
    machine = MachineFactory()
    subscriber = Subscriber(
        Options(url="mqtt://127.0.0.1:1", topic="factory/+/machine/+/telemetry", client_id="unit-pg"),
        store=SQLStore(),
    )
    parsed = [reading(machine.pk, i, "P\x00" if i == 40 else "Pressure") for i in range(100)]
    assert subscriber._store(parsed) == 99
    assert dict(subscriber.dropped) == {Reason.STORE_REJECTED: 1}
    assert SensorReading.objects.filter(machine=machine).count() == 99
    assert not SensorReading.objects.filter(timestamp=T0 + timedelta(seconds=40)).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_machine_deleted_since_cached_is_an_unknown_machine():
    kept, deleted = MachineFactory(), MachineFactory()
    subscriber = Subscriber(
        Options(url="mqtt://127.0.0.1:1", topic="factory/+/machine/+/telemetry", client_id="unit-pg2"),
        store=SQLStore(),
    )
    # Both records cached (as the ingest service's lookup caches them), then one deleted behind
    # the services' back: the cache does not know, the store's foreign key does.
    selectors.machine_lookup_many(machine_ids=[kept.pk, deleted.pk])
    deleted.delete()
    parsed = [reading(kept.pk, i) for i in range(5)] + [reading(deleted.pk, i) for i in range(5)]
    assert subscriber._store(parsed) == 5
    assert dict(subscriber.dropped) == {Reason.UNKNOWN_MACHINE: 5}


def test_an_outage_while_splitting_is_an_outage_not_a_refusal(db, monkeypatch):
    """The split runs after a refusal: an outage in one half must not be read as the data's fault
    (the refusal being handled up the stack is no cause of it)."""
    machine = MachineFactory()

    class Flaky(RefusingStore):
        def write(self, points) -> int:
            if 1 <= self.calls <= 8:  # the store goes down after it refused the whole batch
                self.calls += 1
                # Raised fresh, as a driver raises it: its implicit context is what is being handled.
                raise OperationalError("server closed the connection")
            return super().write(points)

    subscriber, store = make_subscriber(lambda ref: Flaky(ref))
    monkeypatch.setattr(subscriber.stopping, "wait", lambda delay: False)
    # The store answers its probe at once: the retry follows without a real backoff.
    monkeypatch.setattr(subscriber, "_wait_for_store", lambda delay: True)
    parsed = [reading(machine.pk, i, "P\x00" if i == 7 else "Pressure") for i in range(10)]
    assert subscriber._store(parsed) == 9
    assert dict(subscriber.dropped) == {Reason.STORE_REJECTED: 1}
    assert len({p.timestamp for p in store.points}) == 9


def test_a_cache_that_cannot_forget_the_deleted_machine_does_not_stop_the_loop(db, monkeypatch):
    """The store's foreign key says a cached machine is gone, and dropping the cached records fails
    too (the cache is down): the batch is tried again, not the loop ended."""
    machine = MachineFactory()

    class ForeignKeyOnce(RefusingStore):
        def write(self, points) -> int:
            if self.calls == 0:
                self.calls += 1
                raise wrapped(IntegrityError("violates foreign key constraint"))
            return super().write(points)

    def cache_down() -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr("machines.selectors.machine_records_forget", cache_down)
    subscriber, store = make_subscriber(lambda ref: ForeignKeyOnce(ref))
    assert subscriber._store([reading(machine.pk, i) for i in range(4)]) == 4
    assert dict(subscriber.dropped) == {}
    assert store.calls == 2
