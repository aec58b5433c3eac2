"""Locks benchmark: status-read throughput, then optimistic-locking contention with a lost-update check.

    python -m bench.locks [--url URL] [--clients 32] [--devices 8] [--duration 20] [--read-duration 10]

Without --url it starts the app under gunicorn against PostgreSQL + Redis (DATABASE_URL / REDIS_URL,
see bench/common.py), production settings (DEBUG off). Phase 1 measures GET /device/{id}/status with
wrk when it is installed (else with Python threads). Phase 2 is a closed loop: each client picks a
device, GETs its status, POSTs an update with the version it read and, on 409, retries with the
version the 409 reported. Exit status 1 if an update was lost (version increments, successes and new
log rows disagree) or a request failed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field

from bench.common import (
    THREADS,
    WORKERS,
    Client,
    bench_env,
    latency_line,
    login,
    request,
    run_threads,
    running_server,
    wrk,
)

DEVICE_PREFIX = "bench-lock-"
FLIP = {"locked": "unlocked", "unlocked": "locked"}


@dataclass
class Stats:
    """Per-client counters and samples; merged after the run (no shared lock in the hot loop)."""

    successes: int = 0
    conflicts: int = 0
    errors: int = 0
    unknown_outcome: int = 0
    get_samples: list[float] = field(default_factory=list)
    post_samples: list[float] = field(default_factory=list)

    def merge(self, other: Stats) -> None:
        self.successes += other.successes
        self.conflicts += other.conflicts
        self.errors += other.errors
        self.unknown_outcome += other.unknown_outcome
        self.get_samples += other.get_samples
        self.post_samples += other.post_samples


def ensure_devices(base: str, token: str, count: int) -> list[str]:
    """The ids of `count` benchmark devices, created through the API when missing."""
    status, rows = request(base, "GET", f"/device/?search={DEVICE_PREFIX}&limit=1000", token=token)
    if status != 200:
        raise RuntimeError(f"listing devices failed: {status} {rows}")
    by_name = {row["name"]: row["id"] for row in rows if row["name"].startswith(DEVICE_PREFIX)}
    ids = []
    for index in range(count):
        name = f"{DEVICE_PREFIX}{index:02d}"
        if name not in by_name:
            body = {"name": name, "type": "smart-lock", "location": "bench"}
            status, created = request(base, "POST", "/device/", body, token=token)
            if status != 201:
                raise RuntimeError(f"creating {name} failed: {status} {created}")
            by_name[name] = created["id"]
        ids.append(by_name[name])
    return ids


def snapshot(base: str, token: str, device_ids: list[str]) -> dict[str, tuple[int, int]]:
    """device id -> (version_id, number of log rows)."""
    client = Client(base, token)
    try:
        result = {}
        for device_id in device_ids:
            status, body, _ = client.call("GET", f"/device/{device_id}/status")
            if status != 200:
                raise RuntimeError(f"status of {device_id}: {status} {body}")
            client.conn.request("GET", f"/device/{device_id}/logs?limit=1", headers=client.headers)
            response = client.conn.getresponse()
            response.read()
            result[device_id] = (body["version_id"], int(response.getheader("X-Total-Count")))
        return result
    finally:
        client.close()


def read_phase_wrk(base: str, token: str, device_id: str, connections: int, seconds: int) -> None:
    fig = wrk(f"{base}/device/{device_id}/status", connections=connections, seconds=seconds, token=token)
    print(
        f"GET status (wrk, {connections} keep-alive connections): {fig['rps']:.0f} req/s"
        f"  p50={fig['p50']} p90={fig['p90']} p99={fig['p99']}  non-2xx={fig['non2xx']}",
        flush=True,
    )


def read_phase_python(base: str, token: str, device_ids: list[str], clients: int, seconds: float) -> None:
    stats = [Stats() for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def reader(index: int) -> None:
        client = Client(base, token)
        device_id = device_ids[index % len(device_ids)]
        try:
            while time.perf_counter() < deadline:
                status, _, elapsed = client.call("GET", f"/device/{device_id}/status")
                stats[index].get_samples.append(elapsed)
                if status != 200:
                    stats[index].errors += 1
        finally:
            client.close()

    run_threads(clients, reader)
    total = Stats()
    for item in stats:
        total.merge(item)
    print(f"GET status (Python threads, {clients} connections): {len(total.get_samples) / seconds:.0f} req/s")
    print("  " + latency_line("GET status", total.get_samples), flush=True)


def contention_phase(base: str, token: str, device_ids: list[str], clients: int, seconds: float) -> Stats:
    stats = [Stats() for _ in range(clients)]
    start_line = threading.Barrier(clients)
    deadline_box: list[float] = []

    def worker(index: int) -> None:
        mine = stats[index]
        rng = random.Random(index)
        client = Client(base, token)
        if start_line.wait() == 0:
            deadline_box.append(time.perf_counter() + seconds)
        while not deadline_box:
            time.sleep(0.001)
        deadline = deadline_box[0]
        try:
            while time.perf_counter() < deadline:
                device_id = rng.choice(device_ids)
                try:
                    status, body, elapsed = client.call("GET", f"/device/{device_id}/status")
                except OSError:
                    mine.errors += 1
                    continue
                mine.get_samples.append(elapsed)
                if status != 200:
                    mine.errors += 1
                    continue
                current_status, version = body["status"], body["version_id"]
                while time.perf_counter() < deadline:
                    payload = {
                        "new_status": FLIP.get(current_status, "locked"),
                        "expected_version_id": version,
                        "changed_by": f"bench-{index}",
                    }
                    try:
                        status, body, elapsed = client.call("POST", f"/device/{device_id}/update", payload)
                    except OSError:
                        mine.unknown_outcome += 1  # the update may or may not have happened
                        break
                    mine.post_samples.append(elapsed)
                    if status == 200:
                        mine.successes += 1
                        break
                    if status == 409:
                        mine.conflicts += 1
                        current_status, version = body["current_status"], body["current_version_id"]
                        continue
                    mine.errors += 1
                    break
        finally:
            client.close()

    started = time.perf_counter()
    run_threads(clients, worker)
    elapsed = time.perf_counter() - started
    total = Stats()
    for item in stats:
        total.merge(item)
    print(
        f"closed loop: {clients} clients over {len(device_ids)} devices for {seconds:.0f}s "
        f"(wall {elapsed:.1f}s)\n"
        f"  successful updates: {total.successes} ({total.successes / seconds:.1f}/s)\n"
        f"  conflicts (409):    {total.conflicts} ({total.conflicts / seconds:.1f}/s)\n"
        f"  errors: {total.errors}, unknown outcome: {total.unknown_outcome}\n"
        f"  {latency_line('GET status ', total.get_samples)}\n"
        f"  {latency_line('POST update', total.post_samples)}",
        flush=True,
    )
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Benchmark this running server instead of starting gunicorn.")
    parser.add_argument("--clients", type=int, default=32, help="Concurrent clients (connections).")
    parser.add_argument("--devices", type=int, default=8, help="Devices the clients contend on.")
    parser.add_argument("--duration", type=float, default=20, help="Seconds of the update loop.")
    parser.add_argument(
        "--read-duration", type=int, default=10, help="Seconds of the status-read phase (0: skip)."
    )
    # gthread (threads > 1) keeps connections alive; sync workers close each one.
    # The production shape by default (bench.common.WORKERS, THREADS).
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers.")
    parser.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads per worker.")
    parser.add_argument("--user", default="admin", help="Demo user to log in as (must create devices).")
    args = parser.parse_args(argv)

    # Production settings: DEBUG off (no query log, no debug pages); plain HTTP on loopback.
    env = bench_env()
    with running_server(env, workers=args.workers, threads=args.threads, url=args.url) as base:
        token = login(base, args.user)
        device_ids = ensure_devices(base, token, args.devices)
        if args.read_duration > 0:
            if shutil.which("wrk"):
                read_phase_wrk(base, token, device_ids[0], args.clients, args.read_duration)
            else:
                read_phase_python(base, token, device_ids, args.clients, args.read_duration)
        before = snapshot(base, token, device_ids)
        total = contention_phase(base, token, device_ids, args.clients, args.duration)
        after = snapshot(base, token, device_ids)

    increments = sum(after[d][0] - before[d][0] for d in device_ids)
    new_logs = sum(after[d][1] - before[d][1] for d in device_ids)
    ok = increments == total.successes == new_logs
    print(
        f"lost-update check: version increments={increments} successes={total.successes} "
        f"new log rows={new_logs} -> {'OK' if ok else 'FAILED'}"
    )
    if total.unknown_outcome:
        print(f"  ({total.unknown_outcome} updates had no answer; the check above cannot count them)")
    if not ok or total.errors:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
