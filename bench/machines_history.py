"""Machines read benchmark: history queries over 1,000,000 readings and the machine list.

    python -m bench.machines_history [--requests 40] [--list-duration 10] [--connections 32]

Starts gunicorn on PostgreSQL + Redis (bench/common.py), makes sure one machine
("Bench-History-01") has 1,000,000 readings over 30 days (one every 2.592 s, inserted with
generate_series once), then measures p50/p95 of GET /api/v1/data/machine/{id} for the last 24 h at
`interval=1m` and for 30 days at `interval=1h` (one client, sequential), and GET /api/v1/data/machines
with wrk (32 connections). It prints the database's own time for each aggregation (EXPLAIN ANALYZE)
so the figures show where the time goes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import psycopg

from bench.common import (
    THREADS,
    WORKERS,
    Client,
    latency_line,
    login,
    manage,
    percentile,
    request,
    running_server,
    wrk,
)
from bench.machines_ingest import DATABASE_URL, machines_env

NAME = "Bench-History-01"
READINGS = 1_000_000
END = datetime(2026, 6, 1, tzinfo=UTC)
START = END - timedelta(days=30)


def ensure_machine(base: str, token: str) -> str:
    status, body = request(
        base, "GET", f"/api/v1/data/machines?{urlencode({'location': 'bench'})}", token=token
    )
    for machine in body["machines"]:
        if machine["name"] == NAME:
            return machine["machine_id"]
    body = {"name": NAME, "location": "bench", "sensor_type": "Temperature"}
    status, created = request(base, "POST", "/api/v1/data/machine", body, token=token)
    if status != 201:
        raise RuntimeError(f"creating {NAME}: {status} {created}")
    return created["machine_id"]


def ensure_readings(env: dict, machine_id: str) -> None:
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        have = conn.execute(
            "SELECT count(*) FROM machines_sensorreading WHERE machine_id = %s", (machine_id,)
        ).fetchone()[0]
        summarised = conn.execute(
            "SELECT count(*) FROM machines_sensorrollup WHERE machine_id = %s", (machine_id,)
        ).fetchone()[0]
        if have >= READINGS and summarised:
            return
        if have < READINGS:
            print(f"inserting {READINGS - have} readings for {NAME} ...", flush=True)
            conn.execute(
                "INSERT INTO machines_sensorreading "
                "(machine_id, timestamp, sensor_type, location, temperature, pressure, speed, received_at) "
                "SELECT %s, %s::timestamptz + g * interval '2.592 seconds', 'Temperature', 'bench', "
                "60 + 10 * sin(g / 5000.0), 120 + 15 * cos(g / 7000.0), NULL, now() "
                "FROM generate_series(0, %s) AS g ON CONFLICT DO NOTHING",
                (machine_id, START, READINGS - 1),
            )
            conn.execute("ANALYZE machines_sensorreading")
    # Inserted around the store: summarise their hours as `write` would have.
    manage(env, "rebuild_rollup")


def explain(machine_id: str, seconds: int, start: datetime, end: datetime) -> str:
    sql = (
        "EXPLAIN (ANALYZE, FORMAT TEXT) WITH b AS (SELECT date_bin(%s, timestamp, "
        "TIMESTAMPTZ '1970-01-01 00:00:00+00') AS t, avg(temperature), avg(pressure), avg(speed) "
        "FROM machines_sensorreading WHERE machine_id = %s AND timestamp >= %s AND timestamp < %s "
        "AND (temperature IS NOT NULL OR pressure IS NOT NULL OR speed IS NOT NULL) GROUP BY 1) "
        "SELECT *, count(*) OVER () FROM b ORDER BY t LIMIT 10000"
    )
    with psycopg.connect(DATABASE_URL) as conn:
        plan = [r[0] for r in conn.execute(sql, (timedelta(seconds=seconds), machine_id, start, end))]
    execution = next((line for line in plan if line.startswith("Execution Time")), "?")
    scan = next((line.strip() for line in plan if "Scan" in line), "?")
    return f"{execution}; {scan.split('  (')[0]}"


def time_history(base: str, token: str, machine_id: str, label: str, params: dict, count: int) -> None:
    client = Client(base, token)
    path = f"/api/v1/data/machine/{machine_id}?{urlencode(params)}"
    samples = []
    try:
        status, body, _ = client.call("GET", path)
        if status != 200:
            raise RuntimeError(f"{label}: {status} {body}")
        rows = body["pagination"]["returned_records"]
        for _ in range(count):
            status, _, elapsed = client.call("GET", path)
            if status != 200:
                raise RuntimeError(f"{label}: {status}")
            samples.append(elapsed)
    finally:
        client.close()
    print(
        f"{label} ({rows} windows): p50={percentile(samples, 50):.1f}ms p95={percentile(samples, 95):.1f}ms"
        f"  [{latency_line('all', samples)}]",
        flush=True,
    )


def list_wrk(base: str, token: str, connections: int, seconds: int) -> None:
    fig = wrk(
        f"{base}/api/v1/data/machines?limit=1000", connections=connections, seconds=seconds, token=token
    )
    print(
        f"GET /api/v1/data/machines?limit=1000 (wrk, {connections} connections): {fig['rps']:.0f} req/s "
        f"p50={fig['p50']} p90={fig['p90']} p99={fig['p99']} non-2xx={fig['non2xx']}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per history query")
    parser.add_argument("--list-duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--user", default="manager1")
    args = parser.parse_args(argv)
    env = machines_env()
    with running_server(env, workers=WORKERS, threads=THREADS) as base:
        token = login(base, args.user)
        machine_id = ensure_machine(base, token)
        ensure_readings(env, machine_id)
        day = {"start_time": (END - timedelta(days=1)).isoformat(), "end_time": END.isoformat()}
        month = {"start_time": START.isoformat(), "end_time": END.isoformat()}
        time_history(base, token, machine_id, "history 24 h at 1m", {**day, "interval": "1m", "limit": 1440},
                     args.requests)  # fmt: skip
        print("  database: " + explain(machine_id, 60, END - timedelta(days=1), END))
        time_history(base, token, machine_id, "history 30 d at 1h", {**month, "interval": "1h", "limit": 720},
                     args.requests)  # fmt: skip
        print("  database: served from the hourly rollup (720 rows) plus the edge hours' readings")
        if shutil.which("wrk"):
            list_wrk(base, token, args.connections, args.list_duration)
        else:
            print("wrk is not installed: machine-list throughput skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
