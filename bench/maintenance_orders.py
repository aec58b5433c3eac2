"""Maintenance benchmark: order creation under 32 clients with a stock check, then the parts list.

    python -m bench.maintenance_orders [--url URL] [--clients 32] [--parts 8] [--duration 20]
                                       [--read-duration 10] [--workers 2] [--threads 8]

Without --url it starts the app under gunicorn against PostgreSQL + Redis (DATABASE_URL / REDIS_URL,
see bench/common.py), production settings (DEBUG off). Phase 1 is a closed loop: each client POSTs
2-line orders (unique request ids, two random parts of 8 with large stock) to /api/v1/orders/.
Afterwards the stock check must hold for every part: initial - ordered (by the 201 answers) == final;
exit status 1 otherwise, or if a request failed. Phase 2 measures GET /api/v1/items/?limit=10 with
wrk when installed (else Python threads). Server-Timing (the app's own time) is reported beside the
round trip, to show where the time goes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import sys
import threading
import time
from collections import Counter
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

SKU_PREFIX = "BENCH-STL-M"
BENCH_STOCK = 50_000_000
_SERVER_TIMING = re.compile(r"dur=([\d.]+)")


@dataclass
class Stats:
    created: int = 0
    other: Counter = field(default_factory=Counter)
    errors: int = 0
    unknown_outcome: int = 0
    ordered: Counter = field(default_factory=Counter)
    samples: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)

    def merge(self, other: Stats) -> None:
        self.created += other.created
        self.other += other.other
        self.errors += other.errors
        self.unknown_outcome += other.unknown_outcome
        self.ordered += other.ordered
        self.samples += other.samples
        self.server_ms += other.server_ms


def ensure_parts(base: str, token: str, count: int) -> list[tuple[int, str]]:
    """(id, sku) of `count` benchmark parts with a large stock, created through the API when missing."""
    parts = []
    for index in range(count):
        sku = f"{SKU_PREFIX}{index}-100"
        status, body = request(base, "GET", f"/api/v1/items/{sku}", token=token)
        if status == 404:
            payload = {"name": f"Bench bolt {index}", "sku": sku, "price": "0.33", "stock": BENCH_STOCK}
            status, body = request(base, "POST", "/api/v1/items/", payload, token=token)
            if status != 201:
                raise RuntimeError(f"creating {sku} failed: {status} {body}")
        elif status != 200:
            raise RuntimeError(f"reading {sku} failed: {status} {body}")
        if body["stock"] < BENCH_STOCK // 2:
            status, body = request(base, "PATCH", f"/api/v1/items/{sku}", {"stock": BENCH_STOCK}, token=token)
            if status != 200:
                raise RuntimeError(f"restocking {sku} failed: {status} {body}")
        parts.append((body["id"], sku))
    return parts


def stock_of(base: str, token: str, parts: list[tuple[int, str]]) -> dict[int, int]:
    client = Client(base, token)
    try:
        result = {}
        for part_id, sku in parts:
            status, body, _ = client.call("GET", f"/api/v1/items/{sku}")
            if status != 200:
                raise RuntimeError(f"reading {sku}: {status} {body}")
            result[part_id] = body["stock"]
        return result
    finally:
        client.close()


def post_order(client: Client, body: dict) -> tuple[int, dict | None, float, float | None]:
    """(status, body, round-trip seconds, Server-Timing ms)."""
    payload = json.dumps(body)
    start = time.perf_counter()
    try:
        client.conn.request("POST", "/api/v1/orders/", body=payload, headers=client.headers)
        response = client.conn.getresponse()
        raw = response.read()
    except (http.client.HTTPException, OSError):
        client.conn.close()
        raise
    elapsed = time.perf_counter() - start
    timing = _SERVER_TIMING.search(response.getheader("Server-Timing") or "")
    return (
        response.status,
        (json.loads(raw) if raw else None),
        elapsed,
        float(timing.group(1)) if timing else None,
    )


def order_phase(base: str, token: str, parts: list[tuple[int, str]], clients: int, seconds: float) -> Stats:
    stats = [Stats() for _ in range(clients)]
    start_line = threading.Barrier(clients)
    deadline_box: list[float] = []
    # Unique request ids across runs: a millisecond stamp, then the client, then a counter.
    run_base = (int(time.time() * 1000) % 10**10) * 10**7

    def worker(index: int) -> None:
        mine = stats[index]
        rng = random.Random(index)
        client = Client(base, token)
        if start_line.wait() == 0:
            deadline_box.append(time.perf_counter() + seconds)
        while not deadline_box:
            time.sleep(0.001)
        deadline = deadline_box[0]
        sequence = 0
        try:
            while time.perf_counter() < deadline:
                sequence += 1
                (a, _), (b, _) = rng.sample(parts, 2)
                lines = [(a, rng.randint(1, 3)), (b, rng.randint(1, 3))]
                body = {
                    "request_id": run_base + index * 10**5 + sequence,
                    "items": [{"spare_part_id": pid, "quantity": q} for pid, q in lines],
                }
                try:
                    status, answer, elapsed, server = post_order(client, body)
                except OSError:
                    mine.unknown_outcome += 1
                    client = Client(base, token)
                    continue
                mine.samples.append(elapsed)
                if server is not None:
                    mine.server_ms.append(server)
                if status == 201:
                    mine.created += 1
                    for line in answer["items"]:
                        mine.ordered[line["spare_part_id"]] += line["quantity"]
                else:
                    mine.other[status] += 1
                    mine.errors += 1
        finally:
            client.close()

    started = time.perf_counter()
    run_threads(clients, worker)
    wall = time.perf_counter() - started
    total = Stats()
    for item in stats:
        total.merge(item)
    server = sorted(total.server_ms)
    server_line = "server timing: none"
    if server:
        p50, p99 = server[len(server) // 2], server[int(len(server) * 0.99)]
        server_line = f"in the app (Server-Timing): p50={p50:.1f}ms p99={p99:.1f}ms"
    print(
        f"orders: {clients} clients, 2-line orders over {len(parts)} parts, "
        f"{seconds:.0f}s (wall {wall:.1f}s)\n"
        f"  created (201): {total.created} ({total.created / seconds:.1f} orders/s)\n"
        f"  other answers: {dict(total.other) or 'none'}; unknown outcome: {total.unknown_outcome}\n"
        f"  {latency_line('POST /api/v1/orders/', total.samples)}\n"
        f"  {server_line}",
        flush=True,
    )
    return total


def read_phase_wrk(base: str, token: str, connections: int, seconds: int) -> None:
    fig = wrk(f"{base}/api/v1/items/?limit=10", connections=connections, seconds=seconds, token=token)
    print(
        f"GET /api/v1/items/?limit=10 (wrk, {connections} connections): {fig['rps']:.0f} req/s"
        f"  p50={fig['p50']} p90={fig['p90']} p99={fig['p99']}  non-2xx={fig['non2xx']}",
        flush=True,
    )


def read_phase_python(base: str, token: str, clients: int, seconds: float) -> None:
    samples: list[list[float]] = [[] for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def reader(index: int) -> None:
        client = Client(base, token)
        try:
            while time.perf_counter() < deadline:
                status, _, elapsed = client.call("GET", "/api/v1/items/?limit=10")
                if status == 200:
                    samples[index].append(elapsed)
        finally:
            client.close()

    run_threads(clients, reader)
    merged = [s for chunk in samples for s in chunk]
    print(
        f"GET /api/v1/items/?limit=10 (Python threads, {clients} connections): "
        f"{len(merged) / seconds:.0f} req/s"
    )
    print("  " + latency_line("GET items", merged), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Benchmark this running server instead of starting gunicorn.")
    parser.add_argument("--clients", type=int, default=32, help="Concurrent clients (connections).")
    parser.add_argument("--parts", type=int, default=8, help="Parts the orders draw from.")
    parser.add_argument("--duration", type=float, default=20, help="Seconds of the order loop.")
    parser.add_argument("--read-duration", type=int, default=10, help="Seconds of the list phase (0: skip).")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers.")
    parser.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads per worker.")
    parser.add_argument("--user", default="admin", help="Demo user to log in as (must create parts).")
    args = parser.parse_args(argv)

    env = bench_env()
    with running_server(env, workers=args.workers, threads=args.threads, url=args.url) as base:
        token = login(base, args.user)
        parts = ensure_parts(base, token, args.parts)
        before = stock_of(base, token, parts)
        total = order_phase(base, token, parts, args.clients, args.duration)
        after = stock_of(base, token, parts)
        if args.read_duration > 0:
            if shutil.which("wrk"):
                read_phase_wrk(base, token, args.clients, args.read_duration)
            else:
                read_phase_python(base, token, args.clients, args.read_duration)

    mismatched = {
        sku: (before[pid], total.ordered[pid], after[pid])
        for pid, sku in parts
        if before[pid] - total.ordered[pid] != after[pid]
    }
    ordered = sum(total.ordered.values())
    print(
        f"stock check: {ordered} units ordered in {total.created} orders; initial - ordered == final for "
        f"{len(parts) - len(mismatched)}/{len(parts)} parts -> {'OK' if not mismatched else 'FAILED'}"
    )
    for sku, (initial, taken, final) in mismatched.items():
        print(f"  {sku}: initial {initial} - ordered {taken} = {initial - taken}, but final {final}")
    if total.unknown_outcome:
        print(f"  ({total.unknown_outcome} orders had no answer; the check above cannot count them)")
    if mismatched or total.errors or total.unknown_outcome:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
