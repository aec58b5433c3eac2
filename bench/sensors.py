"""Sensors benchmark: unit detail and reading list (wrk), reading create (32 Python keep-alive clients).

    python -m bench.sensors [--url URL] [--clients 32] [--duration 10] [--readings 50000]
                            [--workers 2] [--threads 8] [--warmup 2]

Without --url it starts the app under gunicorn against PostgreSQL + Redis (production settings,
DEBUG off; DATABASE_URL defaults to .../facility_bench_sensors, REDIS_URL to db 3), tops the
readings table up to --readings rows (one INSERT ... SELECT generate_series, then VACUUM ANALYZE),
and measures, with every request authenticated by a JWT:

1. GET /api/units/{id}                    (wrk, --clients connections; Python threads without wrk)
2. GET /api/sensor-data/?limit=50         (the same)
3. POST /api/sensor-data/                 (--clients Python threads, one keep-alive connection each)

It prints req/s, p50/p99 and the ratio to the figures of the FastAPI + asyncpg service this app
replaces (measured on the same 2-core box). Exit status 1 if a request failed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from bench.common import (
    THREADS,
    WORKERS,
    Client,
    bench_env,
    latency_line,
    login,
    percentile,
    request,
    running_server,
    wrk,
)

# The FastAPI + raw asyncpg service (no auth, gunicorn + 2 uvicorn workers), same box, 32 connections.
FASTAPI = {
    "unit detail": (2000, 3100),
    "reading list limit=50": (1300, 1400),
    "reading create": (1000, 1000),
}
BENCH_UNIT = "bench-sensors-unit"
BENCH_SENSORS = 5


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    tool: str = ""

    def line(self) -> str:
        low, high = FASTAPI[self.name]
        target = f"{low:,}" if low == high else f"{low:,}-{high:,}"
        ratio = f"{self.rps / high:.2f}" if low == high else f"{self.rps / high:.2f}-{self.rps / low:.2f}"
        return (
            f"{self.name:<24} {self.rps:8.0f} req/s  p50={self.p50_ms:6.1f}ms  p99={self.p99_ms:6.1f}ms  "
            f"errors={self.errors}  FastAPI {target} req/s -> ratio {ratio}  [{self.tool}]"
        )


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def ensure_fixture(base: str, token: str) -> tuple[int, list[int]]:
    """The benchmark unit and its sensors (created through the API when missing)."""
    status, units = request(base, "GET", "/api/units/?limit=100", token=token)
    if status != 200:
        raise RuntimeError(f"listing units failed: {status} {units}")
    unit_id = next((u["id"] for u in units if u["name"] == BENCH_UNIT), None)
    if unit_id is None:
        status, unit = request(
            base, "POST", "/api/units/", {"name": BENCH_UNIT, "location": "bench"}, token=token
        )
        if status != 201:
            raise RuntimeError(f"creating the unit failed: {status} {unit}")
        unit_id = unit["id"]
    status, sensors = request(base, "GET", f"/api/sensors/?unit_id={unit_id}", token=token)
    sensor_ids = [s["id"] for s in sensors]
    for index in range(len(sensor_ids), BENCH_SENSORS):
        body = {"name": f"bench-sensor-{index}", "sensor_type": "temperature", "unit_id": unit_id}
        status, sensor = request(base, "POST", "/api/sensors/", body, token=token)
        if status != 201:
            raise RuntimeError(f"creating a sensor failed: {status} {sensor}")
        sensor_ids.append(sensor["id"])
    return unit_id, sensor_ids


def top_up_readings(database_url: str, sensor_ids: list[int], target: int) -> int:
    """Bring the readings table to `target` rows (spread over the bench sensors and 30 days)."""
    import psycopg

    url = urlparse(database_url)
    dsn = (
        f"host={url.hostname or '127.0.0.1'} port={url.port or 5432} user={url.username or 'postgres'} "
        f"dbname={url.path.lstrip('/')}"
    )
    if url.password:
        dsn += f" password={url.password}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        (count,) = conn.execute("SELECT count(*) FROM sensors_sensordata").fetchone()
        missing = target - count
        if missing > 0:
            conn.execute(
                """
                INSERT INTO sensors_sensordata (sensor_id, value, unit, status, timestamp, updated_at)
                SELECT (%(ids)s::bigint[])[1 + i %% cardinality(%(ids)s::bigint[])],
                       round((15 + random() * 15)::numeric, 2), 'celsius',
                       (ARRAY['pending', 'validated', 'invalid', 'archived'])[1 + i %% 4],
                       now() - make_interval(secs => random() * 30 * 86400), now()
                FROM generate_series(1, %(n)s) AS i
                """,
                {"ids": sensor_ids, "n": missing},
            )
        # Index-only counts need a fresh visibility map; the planner needs statistics.
        conn.execute("VACUUM ANALYZE sensors_sensordata")
        (count,) = conn.execute("SELECT count(*) FROM sensors_sensordata").fetchone()
    return count


def run_wrk(name: str, base: str, token: str, path: str, connections: int, seconds: int) -> Result:
    fig = wrk(
        f"{base}{path}",
        connections=connections,
        seconds=seconds,
        token=token,
        headers=["Accept: application/json"],
    )
    if fig["socket_errors"]:
        print(f"  wrk: {fig['socket_errors']}")
    return Result(
        name,
        fig["rps"],
        _ms(fig["p50"]),
        _ms(fig["p99"]),
        fig["non2xx"],
        f"wrk, {connections} connections, {seconds}s",
    )


def _ms(text: str | None) -> float:
    """wrk's `1.23ms` / `850.00us` / `1.02s` in milliseconds."""
    if not text:
        return float("nan")
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_clients(name: str, base: str, token: str, clients: int, seconds: float, call) -> Result:
    """`clients` threads, each on its own keep-alive connection, calling `call(client, index, n)`."""
    samples = [Samples() for _ in range(clients)]
    start_line = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        client = Client(base, token)
        mine = samples[index]
        start_line.wait()
        deadline = time.perf_counter() + seconds
        n = 0
        try:
            while time.perf_counter() < deadline:
                try:
                    ok, elapsed = call(client, index, n)
                except OSError:
                    mine.errors += 1
                    client = Client(base, token)
                    continue
                n += 1
                mine.latencies.append(elapsed)
                if not ok:
                    mine.errors += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies = [s for item in samples for s in item.latencies]
    print("  " + latency_line(name, latencies), flush=True)
    return Result(
        name,
        len(latencies) / wall,
        percentile(latencies, 50),
        percentile(latencies, 99),
        sum(item.errors for item in samples),
        f"Python, {clients} keep-alive clients, {seconds:.0f}s",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Benchmark this running server instead of starting gunicorn.")
    parser.add_argument("--clients", type=int, default=32, help="Concurrent connections / clients.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of each load.")
    parser.add_argument(
        "--warmup", type=int, default=2, help="Unreported seconds of each read load first (imports, pools)."
    )
    parser.add_argument("--readings", type=int, default=50_000, help="Rows in the readings table.")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers.")
    parser.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads per worker.")
    parser.add_argument("--user", default="admin", help="Demo user to log in as (must create units).")
    args = parser.parse_args(argv)

    overrides = {}
    if "DATABASE_URL" not in os.environ:
        overrides["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/facility_bench_sensors"
    if "REDIS_URL" not in os.environ:
        overrides["REDIS_URL"] = "redis://127.0.0.1:6379/3"
    env = bench_env(**overrides)
    results: list[Result] = []
    with running_server(env, workers=args.workers, threads=args.threads, url=args.url) as base:
        token = login(base, args.user)
        unit_id, sensor_ids = ensure_fixture(base, token)
        if not args.url:
            rows = top_up_readings(env["DATABASE_URL"], sensor_ids, args.readings)
            print(f"readings in the table: {rows:,}", flush=True)

        reads = [
            ("unit detail", f"/api/units/{unit_id}"),
            ("reading list limit=50", "/api/sensor-data/?limit=50"),
        ]
        for name, path in reads:
            status, body = request(base, "GET", path, token=token)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body}")
            if shutil.which("wrk"):
                if args.warmup > 0:
                    run_wrk(name, base, token, path, args.clients, args.warmup)
                results.append(run_wrk(name, base, token, path, args.clients, args.duration))
            else:

                def get(client: Client, index: int, n: int, path: str = path) -> tuple[bool, float]:
                    status, _, elapsed = client.call("GET", path)
                    return status == 200, elapsed

                results.append(run_clients(name, base, token, args.clients, args.duration, get))
            print(results[-1].line(), flush=True)

        def create(client: Client, index: int, n: int) -> tuple[bool, float]:
            body = {
                "sensor_id": sensor_ids[(index + n) % len(sensor_ids)],
                "value": 20.0 + n % 10,
                "unit": "celsius",
            }
            status, _, elapsed = client.call("POST", "/api/sensor-data/", body)
            return status == 201, elapsed

        results.append(run_clients("reading create", base, token, args.clients, args.duration, create))
        print(results[-1].line(), flush=True)

    print("\nsummary (ours vs the FastAPI service's figures on this box):")
    for result in results:
        print("  " + result.line())
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
