"""Machines ingest benchmark: MQTT drain (subscriber vs a bare paho client) and HTTP batch ingest.

    python -m bench.machines_ingest [--messages 200000] [--batch-size 5000] [--http-duration 15]
                                    [--http-clients 32] [--skip-mqtt] [--skip-http]

MQTT (docs/architecture.md §5: queue while away, then time the drain): starts its own Mosquitto on a free
loopback port with the repository's mosquitto.conf (large queues), registers two persistent
sessions on the telemetry topic (the subscriber's and a bare paho client's), publishes N QoS 1
messages (distinct machine + timestamp each) while both are away, then times a bare paho client
that only counts them and `manage.py mqtt_subscribe` storing them on PostgreSQL. Prints both rates,
their ratio and the zero-loss check (rows stored == published). Exit 1 on loss.

HTTP: gunicorn (bench/common.py), 32 clients posting 100-reading batches to /api/v1/data/ingest
for a fixed time: readings/s stored, p50/p99 per request, and stored == acknowledged.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench.common import (
    ROOT,
    THREADS,
    WORKERS,
    Client,
    bench_env,
    ensure_database,
    free_port,
    latency_line,
    login,
    manage,
    running_server,
)

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/facility_bench_machines"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DEMO_IDS = re.findall(r'"(6b0f4c1e-[0-9a-f-]{27})"', (ROOT / "machines" / "demo.py").read_text())
TOPIC = "factory/bench/machine/{}/telemetry"


def machines_env() -> dict[str, str]:
    return bench_env(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL)


# --- a broker of our own --------------------------------------------------------------------------
class Broker:
    """Mosquitto with the repository's mosquitto.conf on a free loopback port, data in a temp dir.

    `durable=False` swaps the file's save-after-every-change for a save every 30 minutes: with
    `autosave_on_changes` the broker rewrites its whole database per message (README "Broker
    durability"), so a 200,000-message backlog would take the broker, not the subscriber, an hour."""

    def __init__(self, *, durable: bool = False) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
        self.port = free_port()
        conf = (ROOT / "mosquitto.conf").read_text()
        conf = re.sub(r"^listener .*$", f"listener {self.port} 127.0.0.1", conf, flags=re.M)
        conf = re.sub(r"^persistence_location .*$", f"persistence_location {self.dir}/", conf, flags=re.M)
        conf = re.sub(r"^log_dest .*$", f"log_dest file {self.dir}/mosquitto.log", conf, flags=re.M)
        if not durable:
            conf = re.sub(r"^autosave_on_changes .*$", "autosave_on_changes false", conf, flags=re.M)
            conf = re.sub(r"^autosave_interval .*$", "autosave_interval 1800", conf, flags=re.M)
        (self.dir / "mosquitto.conf").write_text(conf)
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="mosquitto")
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.dir / "mosquitto.conf")])
        deadline = time.monotonic() + 10
        while True:
            try:
                probe = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
                probe.connect("127.0.0.1", self.port)
                probe.disconnect()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.url = f"mqtt://127.0.0.1:{self.port}"

    def dropped_warnings(self) -> int:
        log = self.dir / "mosquitto.log"
        return log.read_text().count("dropped") if log.exists() else 0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def register_session(port: int, client_id: str, topic: str) -> None:
    """Create a persistent session subscribed at QoS 1, then go away: the broker queues for it."""
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.on_subscribe = lambda *a: done.set()
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", port, clean_start=True, properties=props)
    client.loop_start()
    client.subscribe(topic, qos=1)
    assert done.wait(10), "no SUBACK"
    client.disconnect()
    client.loop_stop()


def publish(port: int, count: int, base: datetime) -> float:
    """Publish `count` QoS 1 messages with one `mosquitto_pub -l` per machine topic (C, so the
    publisher is not the bottleneck); return seconds taken. Message i goes to machine i % 7 with
    timestamp base + i ms, so every message is a distinct (machine, timestamp)."""
    per_topic: dict[str, list[bytes]] = {machine_id: [] for machine_id in DEMO_IDS}
    for i in range(count):
        machine_id = DEMO_IDS[i % len(DEMO_IDS)]
        body = {
            "timestamp": (base + timedelta(milliseconds=i)).isoformat().replace("+00:00", "Z"),
            "sensor_type": "Temperature",
            "temperature": 20.0 + (i % 500) / 10,
            "pressure": 100.0 + i % 50,
        }
        per_topic[machine_id].append(orjson.dumps(body))
    start = time.perf_counter()
    procs = []
    for machine_id, lines in per_topic.items():
        cmd = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-V", "mqttv5",
               "-i", f"bench-pub-{machine_id[-4:]}", "-t", TOPIC.format(machine_id), "-l"]  # fmt: skip
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        procs.append((proc, b"\n".join(lines) + b"\n"))
    writers = [threading.Thread(target=proc.communicate, args=(data,)) for proc, data in procs]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    if any(proc.returncode for proc, _ in procs):
        raise RuntimeError("mosquitto_pub failed")
    return time.perf_counter() - start


def bare_drain(port: int, client_id: str, topic: str, count: int) -> float:
    """Seconds for a paho client doing nothing but counting to drain `count` queued messages."""
    received = 0
    done = threading.Event()
    first: list[float] = []

    def on_message(client, userdata, message) -> None:
        nonlocal received
        if not first:
            first.append(time.perf_counter())
        received += 1
        if received >= count:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    props.ReceiveMaximum = 10000
    start = time.perf_counter()
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    if not done.wait(600):
        raise RuntimeError(f"bare client got {received}/{count}")
    elapsed = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return elapsed


def stored_between(base: datetime, count: int) -> int:
    """Readings of this run: message i has timestamp base + i ms."""
    with psycopg.connect(DATABASE_URL) as conn:
        return conn.execute(
            "SELECT count(*) FROM machines_sensorreading WHERE timestamp >= %s AND timestamp < %s",
            (base, base + timedelta(milliseconds=count)),
        ).fetchone()[0]


def subscriber_drain(
    env: dict, broker: Broker, client_id: str, count: int, base: datetime, batch: int
) -> float:
    """Seconds from the subscriber's start line until `count` readings are in PostgreSQL."""
    cmd = [
        sys.executable, "manage.py", "mqtt_subscribe", "--url", broker.url, "--client-id", client_id,
        "--topic", "factory/bench/machine/+/telemetry", "--batch-size", str(batch), "--progress-seconds", "5",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()
    start = time.perf_counter()
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = start + 900
    stored = 0
    while time.perf_counter() < deadline:
        stored = stored_between(base, count)
        if stored >= count:
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    proc.terminate()
    proc.wait(timeout=60)
    reader.join(timeout=5)
    for line in lines[-3:]:
        print("  " + line.rstrip())
    if stored < count:
        raise RuntimeError(f"subscriber stored {stored}/{count} in {elapsed:.0f}s")
    return elapsed


def mqtt_phase(messages: int, batch: int, *, durable: bool = False) -> bool:
    env = machines_env()
    ensure_database(DATABASE_URL)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--force")
    broker = Broker(durable=durable)
    print(f"broker: repository mosquitto.conf, saves {'after every change' if durable else 'every 30 min'}")
    try:
        run = uuid.uuid4().hex[:6]
        sub_id, bare_id = f"bench-sub-{run}", f"bench-bare-{run}"
        topic = "factory/bench/machine/+/telemetry"
        register_session(broker.port, sub_id, topic)
        register_session(broker.port, bare_id, topic)
        # A time range no earlier run used: the count below is this run's alone.
        base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365 * 5 + int(run, 16) % 10000)
        seconds = publish(broker.port, messages, base)
        rate = messages / seconds
        print(f"published {messages} QoS 1 messages in {seconds:.1f}s ({rate:.0f}/s) while both were away")
        bare = bare_drain(broker.port, bare_id, topic, messages)
        print(f"bare paho client (count only): {messages / bare:.0f} msg/s ({bare:.1f}s)")
        stored_s = subscriber_drain(env, broker, sub_id, messages, base, batch)
        stored = stored_between(base, messages)
        ratio = (messages / stored_s) / (messages / bare)
        print(
            f"mqtt_subscribe -> PostgreSQL: {messages / stored_s:.0f} msg/s stored ({stored_s:.1f}s, "
            f"batch {batch}); {ratio:.0%} of the bare client"
        )
        ok = stored == messages
        print(f"zero-loss check: stored={stored} published={messages} -> {'OK' if ok else 'LOSS'}"
              f" (broker drop warnings: {broker.dropped_warnings()})")  # fmt: skip
        return ok
    finally:
        broker.stop()


# --- HTTP ingest ----------------------------------------------------------------------------------
def http_phase(clients: int, duration: float, user: str) -> bool:
    env = machines_env()
    with running_server(env, workers=WORKERS, threads=THREADS) as base_url:
        token = login(base_url, user)
        samples: list[list[float]] = [[] for _ in range(clients)]
        acknowledged = [0] * clients
        errors = [0] * clients
        run = uuid.uuid4().int % 10_000_000
        origin = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(seconds=run)
        deadline = time.perf_counter() + duration

        def worker(index: int) -> None:
            client = Client(base_url, token)
            sequence = 0
            try:
                while time.perf_counter() < deadline:
                    items = []
                    for m in range(4):
                        readings = []
                        for _ in range(25):
                            sequence += 1
                            at = origin + timedelta(microseconds=index * 10**9 + sequence)
                            readings.append(
                                {"timestamp": at.isoformat(), "temperature": 50.0, "speed": 900.0}
                            )
                        machine_id = DEMO_IDS[(index + m) % len(DEMO_IDS)]
                        item = {"machine_id": machine_id, "sensor_type": "T", "location": "bench"}
                        items.append({**item, "readings": readings})
                    body = {"gateway_id": f"bench-{index}", "timestamp": origin.isoformat(), "batch": items}
                    status, data, elapsed = client.call("POST", "/api/v1/data/ingest", body)
                    samples[index].append(elapsed)
                    if status == 201:
                        acknowledged[index] += data["summary"]["total_readings"]
                    else:
                        errors[index] += 1
            finally:
                client.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    flat = [s for per in samples for s in per]
    total = sum(acknowledged)
    stored = 0
    with psycopg.connect(DATABASE_URL) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM machines_sensorreading WHERE timestamp >= %s AND timestamp < %s",
            (origin, origin + timedelta(seconds=(clients + 1) * 1000)),
        ).fetchone()[0]
    rate = total / elapsed
    print(
        f"HTTP ingest ({clients} clients, 100-reading batches, {elapsed:.0f}s): {rate:.0f} readings/s stored"
    )
    print("  " + latency_line("POST /api/v1/data/ingest", flat))
    ok = stored == total and not sum(errors)
    print(f"  acknowledged={total} stored={stored} errors={sum(errors)} -> {'OK' if ok else 'MISMATCH'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--http-clients", type=int, default=32)
    parser.add_argument("--http-duration", type=float, default=15)
    parser.add_argument("--user", default="manager1")
    parser.add_argument("--skip-mqtt", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--durable-broker",
        action="store_true",
        help="Keep mosquitto.conf's save after every change (slow with a backlog: use --messages 2000).",
    )
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_mqtt:
        ok &= mqtt_phase(args.messages, args.batch_size, durable=args.durable_broker)
    if not args.skip_http:
        ok &= http_phase(args.http_clients, args.http_duration, args.user)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
