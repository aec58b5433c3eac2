"""Soak: every domain's hot path at once for minutes, then every invariant checked.

    python -m bench.soak [--duration 180] [--quick] [--mqtt-rate 200] [--workers 2] [--threads 8]

Starts the app under gunicorn (PostgreSQL + Redis, production settings: bench/common.py; DATABASE_URL
defaults to .../facility_bench_soak, REDIS_URL to db 5, override with SOAK_DATABASE_URL /
SOAK_REDIS_URL) and `manage.py mqtt_subscribe` against the broker at MQTT_URL (default the loopback
Mosquitto on 1883) with its own client id and topic prefix, then runs at the same time, for
--duration seconds (--quick: 30):

- locks:    GET status, POST update with the version read; on 409 retry with the version it reports
- readings: POST /api/sensor-data/ with an Idempotency-Key; every 5th sent twice (the repeat must
            answer the same reading); a transport error retries with the same key
- orders:   POST /api/v1/orders/ with two lines, a request_id and an Idempotency-Key; every 5th sent
            twice (the repeat must answer the same order)
- logins:   POST /api/v1/auth/login as the demo users
- ingest:   POST /api/v1/data/ingest, 4 machines x 25 readings per batch (as manager1)
- mqtt:     QoS 1 publishes at --mqtt-rate msg/s (moderate on purpose: this is about correctness,
            not broker throughput), broker acknowledgements counted

Then it checks, and prints as a table: no lost lock update (version increments == successful
updates == new DeviceLog rows), stock exact per part (before - lines of the created orders == after),
every acknowledged reading and order stored exactly once (retries did not duplicate), every
acknowledged HTTP ingest reading and every broker-acknowledged MQTT message stored once (rows for
the soak's machines and timestamps), and no 5xx. Exit status 1 if an invariant fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.common import ROOT, Client, bench_env, login, running_server
from bench.locks import FLIP, ensure_devices, snapshot
from bench.machines_ingest import DEMO_IDS, register_session
from bench.maintenance_orders import ensure_parts, stock_of
from bench.sensors import ensure_fixture

DATABASE_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/facility_bench_soak")
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/5")
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
LOGIN_USERS = ("supervisor1", "manager1", "operator1")
RETRY_EVERY = 5
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


# --- workloads ---------------------------------------------------------------------------------
class Soak:
    def __init__(self, base: str, args: argparse.Namespace) -> None:
        self.base = base
        self.args = args
        self.run = uuid.uuid4().hex[:8]
        self.deadline = 0.0
        self.tallies: dict[str, list[Tally]] = {}
        self.admin = login(base, "admin")
        self.manager = login(base, "manager1")
        self.device_ids = ensure_devices(base, self.admin, args.devices)
        self.parts = ensure_parts(base, self.admin, args.parts)
        _, self.sensor_ids = ensure_fixture(base, self.admin)
        # Disjoint, never-used time ranges for this run's machine readings (HTTP and MQTT).
        offset = timedelta(seconds=int(self.run, 16) % 10**8)
        self.http_origin = datetime(2040, 1, 1, tzinfo=UTC) + offset
        self.mqtt_origin = datetime(2045, 1, 1, tzinfo=UTC) + offset
        self.order_base = (int(time.time() * 1000) % 10**10) * 10**7
        # Results the checks read.
        self.lock_successes = 0
        self.readings: dict[str, int] = {}  # Idempotency-Key -> reading id (acknowledged)
        self.orders: dict[int, dict] = {}  # request_id -> acknowledged order body
        self.ingest_acked: list[tuple[str, datetime]] = []
        self.mqtt_published = 0
        self.mqtt_acked: list[tuple[str, datetime]] = []
        self._results_lock = threading.Lock()

    def tally(self, workload: str) -> Tally:
        tally = Tally()
        with self._results_lock:
            self.tallies.setdefault(workload, []).append(tally)
        return tally

    def running(self) -> bool:
        return time.perf_counter() < self.deadline

    def locks(self, index: int) -> None:
        tally, rng, client = self.tally("locks"), random.Random(index), Client(self.base, self.admin)
        successes = 0
        while self.running():
            device_id = rng.choice(self.device_ids)
            try:
                status, body, _ = call(client, tally, "GET", f"/device/{device_id}/status")
            except (http.client.HTTPException, OSError):
                continue
            if status != 200:
                continue
            current, version = body["status"], body["version_id"]
            while self.running():
                payload = {
                    "new_status": FLIP.get(current, "locked"),
                    "expected_version_id": version,
                    "changed_by": f"soak-{index}",
                }
                try:
                    status, body, _ = call(client, tally, "POST", f"/device/{device_id}/update", payload)
                except (http.client.HTTPException, OSError):
                    tally.unknown += 1  # may or may not have happened: the check reports it
                    break
                if status == 200:
                    successes += 1
                elif status == 409:
                    current, version = body["current_status"], body["current_version_id"]
                    continue
                break
        client.close()
        with self._results_lock:
            self.lock_successes += successes

    def sensor_readings(self, index: int) -> None:
        tally, client = self.tally("readings"), Client(self.base, self.admin)
        acked: dict[str, int] = {}
        n = 0
        while self.running():
            n += 1
            key = f"soak-{self.run}-{index}-{n}"
            body = {
                "sensor_id": self.sensor_ids[(index + n) % len(self.sensor_ids)],
                "value": n % 50,
                "unit": "c",
            }
            answer = keyed_write(client, tally, "/api/sensor-data/", body, key)
            if answer is None or answer[0] != 201:
                continue
            acked[key] = answer[1]["id"]
            if n % RETRY_EVERY == 0:
                repeat = keyed_write(client, tally, "/api/sensor-data/", body, key)
                if repeat is not None and (repeat[0] != 201 or repeat[1].get("id") != acked[key]):
                    tally.mismatches.append(f"reading {key}: repeat answered {repeat[0]} {repeat[1]}")
        client.close()
        with self._results_lock:
            self.readings.update(acked)

    def orders_(self, index: int) -> None:
        tally, rng, client = self.tally("orders"), random.Random(1000 + index), Client(self.base, self.admin)
        acked: dict[int, dict] = {}
        n = 0
        while self.running():
            n += 1
            request_id = self.order_base + index * 10**5 + n
            (a, _), (b, _) = rng.sample(self.parts, 2)
            body = {
                "request_id": request_id,
                "items": [{"spare_part_id": a, "quantity": rng.randint(1, 3)},
                          {"spare_part_id": b, "quantity": rng.randint(1, 3)}],
            }  # fmt: skip
            key = f"soak-{self.run}-order-{request_id}"
            answer = keyed_write(client, tally, "/api/v1/orders/", body, key)
            if answer is None or answer[0] not in (200, 201):
                continue
            if answer[0] == 200:
                tally.mismatches.append(f"order {request_id}: first send answered 200 (a replay)")
            acked[request_id] = answer[1]
            if n % RETRY_EVERY == 0:
                repeat = keyed_write(client, tally, "/api/v1/orders/", body, key)
                if repeat is not None and (
                    repeat[0] not in (200, 201) or repeat[1].get("id") != answer[1]["id"]
                ):
                    tally.mismatches.append(f"order {request_id}: repeat answered {repeat[0]} {repeat[1]}")
        client.close()
        with self._results_lock:
            self.orders.update(acked)

    def logins(self, index: int) -> None:
        tally, client = self.tally("logins"), Client(self.base)
        password = os.environ.get("DEMO_PASSWORD", "Demo-pass-2026")
        n = index
        while self.running():
            n += 1
            body = {"username": LOGIN_USERS[n % len(LOGIN_USERS)], "password": password}
            try:
                status, data, _ = call(client, tally, "POST", "/api/v1/auth/login", body)
            except (http.client.HTTPException, OSError):
                continue
            if status == 200 and not data.get("access_token"):
                tally.mismatches.append("login 200 without an access token")
        client.close()

    def ingest(self, index: int) -> None:
        tally, client = self.tally("ingest"), Client(self.base, self.manager)
        acked: list[tuple[str, datetime]] = []
        sequence = 0
        while self.running():
            items, keys = [], []
            for m in range(4):
                machine_id = DEMO_IDS[(index + m) % len(DEMO_IDS)]
                readings = []
                for _ in range(25):
                    sequence += 1
                    at = self.http_origin + timedelta(microseconds=index * 10**10 + sequence)
                    readings.append({"timestamp": at.isoformat(), "temperature": 50.0, "speed": 900.0})
                    keys.append((machine_id, at))
                items.append(
                    {"machine_id": machine_id, "sensor_type": "T", "location": "soak", "readings": readings}
                )
            body = {"gateway_id": f"soak-{index}", "timestamp": self.http_origin.isoformat(), "batch": items}
            # A batch is an upsert on (machine, timestamp): resending it after a transport error is safe.
            answer = None
            for _ in range(TRANSPORT_RETRIES):
                try:
                    answer = call(client, tally, "POST", "/api/v1/data/ingest", body)
                    break
                except (http.client.HTTPException, OSError):
                    time.sleep(0.2)
            if answer is None:
                tally.unknown += 1
            elif answer[0] == 201:
                if answer[1]["summary"]["total_readings"] != len(keys):
                    tally.mismatches.append(f"ingest summary {answer[1]['summary']} for {len(keys)} readings")
                acked += keys
        client.close()
        with self._results_lock:
            self.ingest_acked += acked

    def mqtt_publisher(self, topic_prefix: str) -> None:
        """QoS 1 at --mqtt-rate msg/s; a message counts as acknowledged once its PUBACK arrived."""
        url = urlparse(MQTT_URL)
        sent: list[tuple[mqtt.MQTTMessageInfo, tuple[str, datetime]]] = []
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"soak-pub-{self.run}", protocol=mqtt.MQTTv5
        )
        client.max_inflight_messages_set(100)
        client.connect(url.hostname or "127.0.0.1", url.port or 1883)
        client.loop_start()
        interval = 1 / self.args.mqtt_rate
        next_at = time.perf_counter()
        i = 0
        while self.running():
            machine_id = DEMO_IDS[i % len(DEMO_IDS)]
            at = self.mqtt_origin + timedelta(milliseconds=i)
            payload = {
                "timestamp": at.isoformat().replace("+00:00", "Z"),
                "sensor_type": "Temperature",
                "temperature": 20.0 + i % 500 / 10,
                "pressure": 100.0 + i % 50,
            }
            topic = f"{topic_prefix}/machine/{machine_id}/telemetry"
            sent.append((client.publish(topic, json.dumps(payload), qos=1), (machine_id, at)))
            i += 1
            next_at += interval
            pause = next_at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + 30
        while not all(info.is_published() for info, _ in sent) and time.monotonic() < deadline:
            time.sleep(0.1)
        client.disconnect()
        client.loop_stop()
        self.mqtt_published = i
        self.mqtt_acked = [key for info, key in sent if info.is_published()]

    def run_all(self, topic_prefix: str) -> float:
        args = self.args
        plan = [
            ("locks", args.lock_clients, self.locks),
            ("readings", args.reading_clients, self.sensor_readings),
            ("orders", args.order_clients, self.orders_),
            ("logins", args.login_clients, self.logins),
            ("ingest", args.ingest_clients, self.ingest),
        ]
        self.deadline = time.perf_counter() + args.duration
        started = time.perf_counter()
        threads = [threading.Thread(target=self.mqtt_publisher, args=(topic_prefix,), daemon=True)]
        for _, count, target in plan:
            threads += [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def merged(self, workload: str) -> Tally:
        total = Tally()
        for tally in self.tallies.get(workload, []):
            total.merge(tally)
        return total


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


def wait_for_mqtt(soak: Soak, timeout: float) -> Counter:
    """Stored rows of the MQTT range once every acknowledged message is in (or after `timeout`)."""
    until = soak.mqtt_origin + timedelta(milliseconds=soak.mqtt_published + 1)
    deadline = time.monotonic() + timeout
    while True:
        stored = stored_keys(soak.mqtt_origin, until)
        if all(key in stored for key in soak.mqtt_acked) or time.monotonic() > deadline:
            return stored
        time.sleep(0.5)


# --- checks --------------------------------------------------------------------------------------
def check_readings(soak: Soak) -> tuple[bool, str]:
    ids = list(soak.readings.values())
    with psycopg.connect(DATABASE_URL) as conn:
        present = conn.execute(
            "SELECT count(*) FROM sensors_sensordata WHERE id = ANY(%s)", (ids,)
        ).fetchone()[0]
        keys = conn.execute(
            "SELECT count(*), count(DISTINCT reading_id) FROM sensors_readingidempotencykey"
            " WHERE key LIKE %s",
            (f"soak-{soak.run}-%",),
        ).fetchone()
    unknown = soak.merged("readings").unknown
    ok = (
        present == len(ids) == len(set(ids))
        and keys[0] == keys[1]
        and len(ids) <= keys[0] <= len(ids) + unknown
    )
    return (
        ok,
        f"acked={len(ids)} distinct ids={len(set(ids))} present={present} keys={keys[0]} readings={keys[1]}",
    )


def check_orders(soak: Soak) -> tuple[bool, str]:
    request_ids = list(soak.orders)
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute(
            "SELECT request_id, count(*) FROM maintenance_serviceorder"
            " WHERE request_id >= %s AND request_id < %s GROUP BY request_id",
            (soak.order_base, soak.order_base + 10**7),
        ).fetchall()
    counts = dict(rows)
    missing = [r for r in request_ids if counts.get(r, 0) == 0]
    doubled = [r for r, c in counts.items() if c > 1]
    extra = len(set(counts) - set(request_ids))
    unknown = soak.merged("orders").unknown
    ok = not missing and not doubled and extra <= unknown
    return (
        ok,
        f"acked={len(request_ids)} stored={sum(counts.values())} missing={len(missing)}"
        f" duplicated={len(doubled)}",
    )


def check_machine_rows(acked: list[tuple[str, datetime]], stored: Counter) -> tuple[bool, str]:
    missing = sum(1 for key in acked if stored.get(key, 0) == 0)
    doubled = sum(1 for count in stored.values() if count > 1)
    ok = not missing and not doubled
    return ok, f"acked={len(acked)} stored={sum(stored.values())} missing={missing} duplicated={doubled}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="Seconds of mixed load.")
    parser.add_argument("--quick", action="store_true", help="30 s instead of --duration.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker.")
    parser.add_argument("--lock-clients", type=int, default=6)
    parser.add_argument("--reading-clients", type=int, default=4)
    parser.add_argument("--order-clients", type=int, default=4)
    parser.add_argument("--login-clients", type=int, default=2)
    parser.add_argument("--ingest-clients", type=int, default=2)
    parser.add_argument("--mqtt-rate", type=float, default=200, help="QoS 1 publishes per second.")
    parser.add_argument("--devices", type=int, default=4, help="Lock devices the clients contend on.")
    parser.add_argument("--parts", type=int, default=8, help="Spare parts the orders draw from.")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 30

    env = bench_env(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, MQTT_URL=MQTT_URL)
    with running_server(env, workers=args.workers, threads=args.threads) as base:
        soak = Soak(base, args)
        topic_prefix = f"soak/{soak.run}"
        sub_id = f"soak-sub-{soak.run}"
        subscriber = start_subscriber(env, sub_id, f"{topic_prefix}/machine/+/telemetry")
        try:
            wait_until_storing(topic_prefix, soak.mqtt_origin)
            locks_before = snapshot(base, soak.admin, soak.device_ids)
            stock_before = stock_of(base, soak.admin, soak.parts)
            print(
                f"soak {soak.run}: {args.duration:.0f}s, gunicorn {args.workers}x{args.threads}, "
                f"MQTT {args.mqtt_rate:.0f} msg/s QoS 1 via {MQTT_URL}",
                flush=True,
            )
            wall = soak.run_all(topic_prefix)
            locks_after = snapshot(base, soak.admin, soak.device_ids)
            stock_after = stock_of(base, soak.admin, soak.parts)
            mqtt_stored = wait_for_mqtt(soak, timeout=60)
        finally:
            subscriber.terminate()
            try:
                subscriber.wait(timeout=30)
            except subprocess.TimeoutExpired:
                subscriber.kill()
            drop_session(sub_id)
    ingest_stored = stored_keys(soak.http_origin, soak.http_origin + timedelta(seconds=10**5))

    # Throughput.
    workloads = ["locks", "readings", "orders", "logins", "ingest"]
    print(f"\n{'workload':<10} {'requests':>9} {'req/s':>8}  statuses")
    all_statuses: Counter = Counter()
    total_requests = 0
    for name in workloads:
        tally = soak.merged(name)
        all_statuses.update(tally.statuses)
        total_requests += tally.requests
        shown = " ".join(f"{s}:{c}" for s, c in sorted(tally.statuses.items()))
        extra = f" transport-errors:{tally.transport_errors}" if tally.transport_errors else ""
        print(f"{name:<10} {tally.requests:>9} {tally.requests / wall:>8.1f}  {shown}{extra}")
    print(f"{'HTTP total':<10} {total_requests:>9} {total_requests / wall:>8.1f}")
    print(
        f"{'mqtt':<10} {soak.mqtt_published:>9} {soak.mqtt_published / wall:>8.1f}  "
        f"published, {len(soak.mqtt_acked)} acknowledged by the broker"
    )
    readings_in = len(soak.ingest_acked) + len(soak.mqtt_acked)
    print(f"machine readings acknowledged: {readings_in} ({readings_in / wall:.0f}/s, HTTP + MQTT)")

    # Invariants.
    increments = sum(locks_after[d][0] - locks_before[d][0] for d in soak.device_ids)
    new_logs = sum(locks_after[d][1] - locks_before[d][1] for d in soak.device_ids)
    lock_unknown = soak.merged("locks").unknown
    ordered: Counter = Counter()
    for order in soak.orders.values():
        for line in order["items"]:
            ordered[line["spare_part_id"]] += line["quantity"]
    stock_bad = [p for p, _ in soak.parts if stock_before[p] - ordered[p] != stock_after[p]]
    mismatches = [m for name in workloads for m in soak.merged(name).mismatches]
    fives = sum(c for s, c in all_statuses.items() if s >= 500)
    checks = [
        (
            "no lost lock update",
            increments == soak.lock_successes == new_logs and not lock_unknown,
            f"successes={soak.lock_successes} version increments={increments} new log rows={new_logs}"
            + (f" unknown={lock_unknown}" if lock_unknown else ""),
        ),
        (
            "stock exact",
            not stock_bad,
            f"{len(soak.parts) - len(stock_bad)}/{len(soak.parts)} parts: before - ordered == after"
            + (f"; wrong: {stock_bad}" if stock_bad else ""),
        ),
        ("readings acked once", *check_readings(soak)),
        ("orders acked once", *check_orders(soak)),
        ("HTTP ingest stored once", *check_machine_rows(soak.ingest_acked, ingest_stored)),
        ("MQTT acked stored once", *check_machine_rows(soak.mqtt_acked, mqtt_stored)),
        ("repeats answer the same", not mismatches, f"mismatches={len(mismatches)}"),
        ("no 5xx", not fives, f"5xx={fives} of {total_requests}"),
    ]
    print(f"\n{'invariant':<26} {'result':<6}  detail")
    for name, ok, detail in checks:
        print(f"{name:<26} {'OK' if ok else 'FAIL':<6}  {detail}")
    for line in mismatches[:10]:
        print("  " + line)
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
