"""The soak's plumbing (bench/soak.py): where it runs, one counted request, a keyed write that retries,
the MQTT subscriber it starts and the rows it stored."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.common import ROOT, Client
from bench.machines_ingest import DEMO_IDS, register_session

DATABASE_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/facility_bench_soak")
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/5")
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
TRANSPORT_RETRIES = 5


@dataclass
class Tally:
    """One worker thread's counts (merged per workload after the run; no lock in the hot loop)."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    transport_errors: int = 0
    unknown: int = 0  # writes whose outcome stayed unknown after every retry
    mismatches: list[str] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.requests += other.requests
        self.statuses.update(other.statuses)
        self.transport_errors += other.transport_errors
        self.unknown += other.unknown
        self.mismatches += other.mismatches


def call(
    client: Client,
    tally: Tally,
    method: str,
    path: str,
    body: object | None = None,
    headers: dict | None = None,
) -> tuple[int, object, dict[str, str]]:
    """One request counted in `tally`: (status, parsed body, response headers). Transport errors
    propagate (the caller decides whether the write is retried); the connection is reopened."""
    payload = json.dumps(body) if body is not None else None
    try:
        client.conn.request(method, path, body=payload, headers={**client.headers, **(headers or {})})
        response = client.conn.getresponse()
        raw = response.read()
    except (http.client.HTTPException, OSError):
        client.conn.close()
        tally.transport_errors += 1
        raise
    tally.requests += 1
    tally.statuses[response.status] += 1
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw[:200]
    return response.status, data, {k.lower(): v for k, v in response.getheaders()}


def keyed_write(
    client: Client, tally: Tally, path: str, body: dict, key: str
) -> tuple[int, object, dict[str, str]] | None:
    """POST `body` with Idempotency-Key `key`, retrying the same key on a transport error (the
    server stores it once either way); None if no answer ever came."""
    for _ in range(TRANSPORT_RETRIES):
        try:
            return call(client, tally, "POST", path, body, {"Idempotency-Key": key})
        except (http.client.HTTPException, OSError):
            time.sleep(0.2)
    tally.unknown += 1
    return None


# --- the subscriber ----------------------------------------------------------------------------
def start_subscriber(env: dict[str, str], client_id: str, topic: str) -> subprocess.Popen:
    url = urlparse(MQTT_URL)
    # A persistent session first: the broker queues for it even before the subscriber is up.
    register_session(url.port or 1883, client_id, topic)
    cmd = [sys.executable, "manage.py", "mqtt_subscribe", "--url", MQTT_URL, "--client-id", client_id,
           "--topic", topic, "--progress-seconds", "30"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"})


def wait_until_storing(topic_prefix: str, origin: datetime, timeout: float = 60) -> None:
    """Publish one probe reading (just before the MQTT range) until the subscriber has stored it: the
    load starts with the subscriber connected. Until then the broker queues for its session, and a
    broker with default limits (max_queued_messages 1000) drops the excess of an offline session
    after acknowledging it to the publisher."""
    url = urlparse(MQTT_URL)
    at = origin - timedelta(seconds=1)
    stamp = at.isoformat().replace("+00:00", "Z")
    payload = json.dumps(
        {"timestamp": stamp, "sensor_type": "Temperature", "temperature": 1.0, "pressure": 1.0}
    )
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{topic_prefix.replace('/', '-')}-probe",
                         protocol=mqtt.MQTTv5)  # fmt: skip
    client.connect(url.hostname or "127.0.0.1", url.port or 1883)
    client.loop_start()
    client.publish(f"{topic_prefix}/machine/{DEMO_IDS[0]}/telemetry", payload, qos=1).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
    deadline = time.monotonic() + timeout
    while not stored_keys(at, origin):
        if time.monotonic() > deadline:
            raise RuntimeError("the subscriber did not store the probe reading")
        time.sleep(0.2)


def drop_session(client_id: str) -> None:
    """End the subscriber's persistent session on the shared broker (clean start, expiry 0)."""
    url = urlparse(MQTT_URL)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    try:
        client.connect(url.hostname or "127.0.0.1", url.port or 1883, clean_start=True, properties=props)
        client.loop(timeout=1)
        client.disconnect()
    except OSError:
        pass


def stored_keys(origin: datetime, until: datetime) -> Counter:
    """(machine id, timestamp) -> rows, for the soak's time range."""
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute(
            "SELECT machine_id::text, timestamp FROM machines_sensorreading"
            " WHERE timestamp >= %s AND timestamp < %s",
            (origin, until),
        ).fetchall()
    return Counter((machine, at.astimezone(UTC)) for machine, at in rows)
