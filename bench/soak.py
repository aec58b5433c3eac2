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
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.common import THREADS, WORKERS, Client, bench_env, login, running_server
from bench.locks import FLIP, ensure_devices, snapshot
from bench.machines_ingest import DEMO_IDS
from bench.maintenance_orders import ensure_parts, stock_of
from bench.sensors import ensure_fixture
from bench.soak_checks import report, wait_for_mqtt
from bench.soak_support import (
    DATABASE_URL,
    MQTT_URL,
    REDIS_URL,
    TRANSPORT_RETRIES,
    Tally,
    call,
    drop_session,
    keyed_write,
    start_subscriber,
    wait_until_storing,
)

LOGIN_USERS = ("supervisor1", "manager1", "operator1")
RETRY_EVERY = 5


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="Seconds of mixed load.")
    parser.add_argument("--quick", action="store_true", help="30 s instead of --duration.")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers.")
    parser.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads per worker.")
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
    return report(soak, wall, locks_before, locks_after, stock_before, stock_after, mqtt_stored)


if __name__ == "__main__":
    sys.exit(main())
