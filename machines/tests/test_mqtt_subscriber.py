"""The subscriber against the real Mosquitto on loopback (MQTT_URL).

Each test uses its own topic prefix and client ids, and removes its persistent sessions after.
The system broker keeps at most 1,000 queued messages per session by default (docs/architecture.md §5), so
these tests stay below that; the repository's mosquitto.conf raises it for the benchmark.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import orjson
import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from machines.models import SensorReading
from machines.subscriber import Options, Subscriber
from machines.tests.factories import MachineFactory
from machines.timeseries import get_store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def broker() -> tuple[str, int]:
    url = urlparse(settings.MQTT_URL)
    return url.hostname or "127.0.0.1", url.port or 1883


def publish(messages: list[tuple[str, bytes]], retain: bool = False) -> None:
    """Publish at QoS 1 and wait until the broker has acknowledged every message."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
    )
    client.connect(*broker())
    client.loop_start()
    try:
        infos = [client.publish(topic, body, qos=1, retain=retain) for topic, body in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


def forget_session(client_id: str) -> None:
    """Connect clean with expiry 0: the broker drops the persistent session of that id."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect(*broker(), clean_start=True, properties=props)
    client.disconnect()


def telemetry(factory: str, machine_id, index: int, **values) -> tuple[str, bytes]:
    body = {
        "timestamp": (T0 + timedelta(seconds=index)).isoformat().replace("+00:00", "Z"),
        "sensor_type": "Temperature",
        **(values or {"temperature": 20.0 + index % 50}),
    }
    return f"factory/{factory}/machine/{machine_id}/telemetry", orjson.dumps(body)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def prefix():
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client_ids():
    made: list[str] = []

    def make(name: str) -> str:
        made.append(f"test-{name}-{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield make
    for client_id in made:
        forget_session(client_id)


def count_registry_queries(monkeypatch) -> list:
    """Record each registry query the machine lookup makes (its cache's miss path)."""
    from machines import selectors

    calls: list = []
    real = selectors._records_from_db

    def counting(machine_ids):
        calls.append(list(machine_ids))
        return real(machine_ids)

    monkeypatch.setattr(selectors, "_records_from_db", counting)
    return calls


def stored_count(machine_id) -> int:
    return SensorReading.objects.filter(machine_id=machine_id).count()


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_published_telemetry_answers_in_history_and_bad_messages_are_dropped(
    prefix, client_ids, auth_client, operator, monkeypatch
):
    machine = MachineFactory(location="Line 4")
    options = Options(
        url=settings.MQTT_URL,
        topic=f"factory/{prefix}/machine/+/telemetry",
        client_id=client_ids("thread"),
        batch_size=20,
        batch_ms=50,
        progress_seconds=0.5,
    )
    subscriber = Subscriber(options, store=get_store())
    lookups = count_registry_queries(monkeypatch)
    worker = threading.Thread(target=subscriber.run)
    worker.start()
    try:
        assert wait_for(lambda: subscriber.connected, 10)
        time.sleep(0.3)  # the SUBACK
        good = [telemetry(prefix, machine.pk, i) for i in range(30)]
        bad = [
            (f"factory/{prefix}/machine/not-a-uuid/telemetry", b"{}"),
            (f"factory/{prefix}/machine/{machine.pk}/telemetry", b"{oops"),
            telemetry(prefix, machine.pk, 99, temperature=5000),
            (
                f"factory/{prefix}/machine/{machine.pk}/telemetry",
                orjson.dumps({"sensor_type": "T", "speed": 1}),
            ),
            telemetry(prefix, uuid.uuid4(), 100),
        ]
        publish(good[:15] + bad + good[15:])
        assert wait_for(lambda: subscriber.stored == 30 and sum(subscriber.dropped.values()) == 5, 30)
        assert wait_for(lambda: subscriber.acked == 35, 10)
    finally:
        subscriber.stop()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert dict(subscriber.dropped) == {
        "bad_topic": 1,
        "bad_json": 1,
        "out_of_range": 1,
        "missing_field": 1,
        "unknown_machine": 1,
    }
    assert len(lookups) <= 3
    response = auth_client(operator).get(
        reverse("machines-history", kwargs={"machine_id": machine.pk}),
        {"start_time": "2026-03-01T08:00:00Z", "end_time": "2026-03-01T09:00:00Z"},
    )
    body = response.json()
    assert body["pagination"]["total_records"] == 30
    assert body["data"][0] == {"timestamp": "2026-03-01T08:00:00Z", "temperature": 20.0}
    stored = SensorReading.objects.filter(machine=machine).first()
    assert stored.location == "Line 4"


# --- subprocesses against PostgreSQL: crash, restart, shared groups, clean stop ---------------------
def subscriber_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.pop("TEST_DATABASE_NAME", None)
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    env["DJANGO_IGNORE_DOTENV"] = "1"
    env["LOG_LEVEL"] = "WARNING"
    return env


def start_subscriber(prefix: str, client_id: str, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "mqtt_subscribe",
            "--url",
            settings.MQTT_URL,
            "--topic",
            f"factory/{prefix}/machine/+/telemetry",
            "--client-id",
            client_id,
            "--progress-seconds",
            "0.5",
            *extra,
        ],
        cwd=ROOT,
        env={**subscriber_env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> str:
    if proc.poll() is None:
        proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    return out


def subscribed(proc: subprocess.Popen) -> None:
    # The command's first line comes before the connection; give it time to SUBACK.
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "mqtt_subscribe:" in line, line
    time.sleep(1.5)


@pytest.mark.mqtt
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_stream_then_restart_stores_every_message_exactly_once(prefix, client_ids):
    machine = MachineFactory()
    client_id = client_ids("crash")
    messages = [telemetry(prefix, machine.pk, i) for i in range(800)]
    first = start_subscriber(prefix, client_id, "--batch-size", "25", "--batch-ms", "20")
    try:
        subscribed(first)
        publisher = threading.Thread(target=publish, args=(messages,))
        publisher.start()
        assert wait_for(lambda: stored_count(machine.pk) >= 100, 60, 0.01)
        first.kill()  # SIGKILL: no drain, unacknowledged messages stay with the broker
        first.wait(timeout=30)
        publisher.join(timeout=60)
    finally:
        stop(first, signal.SIGKILL)
    stored_at_kill = stored_count(machine.pk)
    assert stored_at_kill < len(messages), "the kill came too late to test anything"
    second = start_subscriber(prefix, client_id, "--batch-size", "25", "--batch-ms", "20")
    try:
        assert wait_for(lambda: stored_count(machine.pk) >= len(messages), 90)
        time.sleep(1.0)
    finally:
        out = stop(second)
    assert second.returncode == 0, out
    assert stored_count(machine.pk) == len(messages)
    timestamps = set(SensorReading.objects.filter(machine=machine).values_list("timestamp", flat=True))
    assert len(timestamps) == len(messages)


@pytest.mark.mqtt
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_subscribers_in_one_shared_group_store_every_message_once(prefix, client_ids):
    machine = MachineFactory()
    group = f"g{prefix}"
    procs = [
        start_subscriber(prefix, client_ids(f"shared{n}"), "--shared-group", group, "--batch-ms", "20")
        for n in range(2)
    ]
    outputs = []
    try:
        for proc in procs:
            subscribed(proc)
        publish([telemetry(prefix, machine.pk, i) for i in range(600)])
        assert wait_for(lambda: stored_count(machine.pk) >= 600, 60)
        time.sleep(1.0)
    finally:
        outputs = [stop(proc) for proc in procs]
    assert stored_count(machine.pk) == 600
    # Both took part: the broker split the load between the group's members.
    for out in outputs:
        final = [line for line in out.splitlines() if "received=" in line][-1]
        received = int(final.split("received=")[1].split()[0])
        assert 0 < received < 600, out


@pytest.mark.mqtt
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigterm_drains_and_exits_cleanly_with_a_progress_line_and_heartbeat(prefix, client_ids, tmp_path):
    machine = MachineFactory()
    beat_file = tmp_path / "heartbeat"
    proc = start_subscriber(
        prefix, client_ids("term"), "--batch-ms", "500", env={"MQTT_HEARTBEAT_FILE": str(beat_file)}
    )
    try:
        subscribed(proc)
        publish([telemetry(prefix, machine.pk, i) for i in range(50)])
        assert wait_for(lambda: stored_count(machine.pk) == 50, 30)
    finally:
        out = stop(proc, signal.SIGTERM)
    assert proc.returncode == 0, out
    assert "msg/s" in out
    assert "stored=50" in out.splitlines()[-1]
    assert abs(float(beat_file.read_text()) - time.time()) < 30


# --- issue 15: no single message stops the subscriber; the topic filter is read, not assumed ------
POISON = b'{"timestamp":"2030-01-01T00:01:00Z","sensor_type":"P\\u0000","pressure":7}'


def final_line(out: str) -> str:
    return [line for line in out.splitlines() if "received=" in line][-1]


@pytest.mark.mqtt
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_poison_messages_among_a_thousand_are_dropped_and_the_session_drains(prefix, client_ids):
    """A NUL message, a year-0001 message and a retained poison message among 1,000 good ones:
    1,000 stored, 3 dropped with reasons, the process never exits, nothing is left queued."""
    machine, poisoned = MachineFactory(), MachineFactory()
    retained_topic = f"factory/{prefix}/machine/{poisoned.pk}/telemetry"
    client_id = client_ids("poison")
    publish([(retained_topic, POISON)], retain=True)
    try:
        proc = start_subscriber(prefix, client_id, "--batch-size", "100", "--batch-ms", "20")
        try:
            subscribed(proc)
            good = [telemetry(prefix, machine.pk, i) for i in range(1000)]
            nul = (
                f"factory/{prefix}/machine/{machine.pk}/telemetry",
                orjson.dumps(
                    {"timestamp": "2026-03-01T10:00:00Z", "sensor_type": "Temp\x00", "temperature": 5}
                ),
            )
            year_one = telemetry(prefix, machine.pk, 0, temperature=1.0)
            year_one = (
                year_one[0],
                year_one[1].replace(b"2026-03-01T08:00:00Z", b"0001-01-01T00:00:00+01:00"),
            )
            chunks = [good[:250], [*good[250:500], nul], [year_one, *good[500:750]], good[750:]]
            expected = 0
            # In chunks: the system broker queues at most 1,000 messages per session (module docstring).
            for chunk in chunks:
                publish(chunk)
                expected += sum(
                    1 for _, body in chunk if b"0001-01-01" not in body and b"\\u0000" not in body
                )
                assert wait_for(lambda n=expected: stored_count(machine.pk) >= n, 60), expected
            assert proc.poll() is None, "the subscriber exited"
            time.sleep(1.0)  # a progress line after the last batch
            assert proc.poll() is None, "the subscriber exited"
        finally:
            out = stop(proc)
        assert proc.returncode == 0, out
        assert stored_count(machine.pk) == 1000
        assert stored_count(poisoned.pk) == 0
        last = final_line(out)
        assert "stored=1000" in last, out
        assert "dropped: bad_value=3 " in last, out
        assert "backlog=0" in last, out

        # The same client id again: the session holds nothing more (and the retained poison is not
        # replayed into an existing subscription); only a fresh message arrives.
        again = start_subscriber(prefix, client_id, "--batch-ms", "20")
        try:
            subscribed(again)
            publish([telemetry(prefix, machine.pk, 1000)])
            assert wait_for(lambda: stored_count(machine.pk) == 1001, 30)
        finally:
            out = stop(again)
        assert again.returncode == 0, out
        last = final_line(out)
        assert "received=1 " in last, out
        assert "dropped: none" in last, out
    finally:
        publish([(retained_topic, b"")], retain=True)  # clear the retained message


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_prefixed_topic_filter_stores_every_message_and_a_stop_is_reported(prefix, client_ids):
    """MQTT_TOPIC `<site>/factory/+/machine/+/telemetry`: ids read at the wildcard positions."""
    from machines import heartbeat

    machine = MachineFactory()
    options = Options(
        url=settings.MQTT_URL,
        topic=f"{prefix}/factory/+/machine/+/telemetry",
        client_id=client_ids("prefixed"),
        batch_size=20,
        batch_ms=50,
        progress_seconds=0.5,
    )
    subscriber = Subscriber(options, store=get_store())
    worker = threading.Thread(target=subscriber.run)
    worker.start()
    try:
        assert wait_for(lambda: subscriber.connected, 10)
        time.sleep(0.3)  # the SUBACK
        messages = [telemetry(prefix, machine.pk, i) for i in range(25)]
        publish([(f"{prefix}/{topic}", body) for topic, body in messages])
        assert wait_for(lambda: subscriber.acked == 25, 30)
    finally:
        subscriber.stop()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert subscriber.stored == 25
    assert dict(subscriber.dropped) == {}
    assert stored_count(machine.pk) == 25
    beat = heartbeat.last_beat()
    assert beat["state"] == "stopped"
    assert beat["backlog"] == 0
    assert beat["last_stored_at"] is not None


@pytest.mark.parametrize(
    "topic", ["factory/#", "site1/+/machine/+/+/telemetry", "factory/f1/machine/m1/telemetry"]
)
def test_a_topic_filter_that_cannot_be_mapped_is_refused_at_start(topic):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="MQTT_TOPIC"):
        call_command("mqtt_subscribe", topic=topic, url="mqtt://127.0.0.1:1", exit_when_idle=1)
