"""Admin dashboard benchmark: the dashboard and the machine charts over a million telemetry points
and a million sensor readings.

    python -m bench.dashboard [--runs 20]

Loads once, with generate_series, into DATABASE_URL (default: its own `facility_bench_dash`):
50 machines with 20,000 points each (one every 30 s, so 1,000,000 over the last ~7 days and 6,000
in the last hour), 1,000,000 sensor readings (10 % pending), 200 devices, 2,000 orders and 1,000
parts; then rebuilds the rollup and VACUUM ANALYZEs (a later run moves the points up to the
present first, so the last hour is full again). It times, in process (Django's test client,
no network): the panels alone with the cache emptied before each run (every query runs), the
admin index and `/dashboard` with the cache warm, and a machine's page with its charts (24 h, 7 d).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

DATABASE_URL = os.environ.get(
    "DASHBOARD_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/facility_bench_dash"
)
MACHINES, POINTS_PER_MACHINE, READINGS = 50, 20_000, 1_000_000


def setup_django() -> None:
    from bench.common import DEFAULT_REDIS_URL, ensure_database

    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")  # the bulk load runs for minutes
    ensure_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("ensure_telemetry_partitions", verbosity=0)


def load() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM machines_sensorreading")
        if cursor.fetchone()[0] >= MACHINES * POINTS_PER_MACHINE:
            # A later run moves the points up to now, so "the last hour" holds its 6,000 again.
            cursor.execute("SELECT now() - max(timestamp) FROM machines_sensorreading")
            gap = cursor.fetchone()[0]
            if gap > timedelta(minutes=1):
                print(f"data already loaded; moving the points {gap} forward ...", flush=True)
                cursor.execute("UPDATE machines_sensorreading SET timestamp = timestamp + %s", [gap])
                _rollup_and_analyze()
            else:
                print("data already loaded", flush=True)
            return
        print("loading ...", flush=True)
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO machines_machine (id, name, location, sensor_type, status, created_at, updated_at) "
            "SELECT gen_random_uuid(), 'Bench-Dash-' || lpad(g::text, 2, '0'), 'bench', 'Temperature', "
            "(ARRAY['active','active','active','inactive','maintenance','error'])[1 + g %% 6], now(), now() "
            "FROM generate_series(1, %s) g ON CONFLICT (name) DO NOTHING",
            [MACHINES],
        )
        cursor.execute(
            "INSERT INTO machines_sensorreading "
            "(machine_id, timestamp, sensor_type, location, temperature, pressure, speed, received_at) "
            "SELECT m.id, now() - make_interval(secs => 30 * s), 'Temperature', 'bench', "
            "60 + 25 * sin(s / 500.0), 120 + 35 * cos(s / 700.0), 1000 + s %% 50, now() "
            "FROM machines_machine m CROSS JOIN generate_series(0, %s - 1) s WHERE m.location = 'bench'",
            [POINTS_PER_MACHINE],
        )
        cursor.execute(
            "INSERT INTO sensors_unit (name, location, created_at, updated_at) "
            "SELECT 'Bench unit ' || g, 'bench', now(), now() FROM generate_series(1, 10) g",
            [],
        )
        cursor.execute(
            "INSERT INTO sensors_sensor (name, sensor_type, unit_id, status, created_at, updated_at) "
            "SELECT 'Bench sensor ' || u.id || '-' || g, 'temperature', u.id, 'active', now(), now() "
            "FROM sensors_unit u CROSS JOIN generate_series(1, 10) g WHERE u.location = 'bench'",
            [],
        )
        cursor.execute(
            "INSERT INTO sensors_sensordata (sensor_id, value, unit, status, timestamp, updated_at) "
            "SELECT (SELECT array_agg(id) FROM sensors_sensor)[1 + g %% 100], 20 + g %% 10, 'celsius', "
            "CASE WHEN g %% 10 = 0 THEN 'pending' ELSE 'validated' END, "
            "now() - make_interval(secs => g * 0.6), now() FROM generate_series(1, %s) g",
            [READINGS],
        )
        cursor.execute(
            "INSERT INTO locks_device (id, name, type, status, version_id, location, created_at, updated_at) "
            "SELECT gen_random_uuid(), 'Bench door ' || g, 'smart-lock', "
            "(ARRAY['locked','unlocked','jammed','unknown'])[1 + g %% 4], 0, 'bench', now(), now() "
            "FROM generate_series(1, 200) g",
            [],
        )
        cursor.execute(
            "INSERT INTO maintenance_sparepart (name, sku, price, stock, min_stock, created_at, updated_at) "
            "SELECT 'Bench part ' || g, 'BNC-PRT-' || g, 1.5, g %% 40, 20, now(), now() "
            "FROM generate_series(1, 1000) g",
            [],
        )
        cursor.execute(
            "INSERT INTO maintenance_serviceorder (request_id, status, total, created_at, updated_at) "
            "SELECT 900000 + g, (ARRAY['pending','in_progress','completed','cancelled'])[1 + g %% 4], 0, "
            "now(), now() FROM generate_series(1, 2000) g",
            [],
        )
        print(f"loaded in {time.perf_counter() - started:.0f} s; rebuilding the rollup ...", flush=True)
    _rollup_and_analyze()


def _rollup_and_analyze() -> None:
    from django.db import connection

    from machines.timeseries.sql import SQLStore

    SQLStore().rebuild_rollup()
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed(runs: int, call) -> str:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    return f"median {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms   ({runs} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    load()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from config.dashboard import panels_for
    from machines.models import Machine, SensorReading
    from sensors.models import SensorData

    user, _ = get_user_model().objects.get_or_create(
        username="bench-dashboard", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    points, readings = SensorReading.objects.count(), SensorData.objects.count()
    print(f"telemetry points: {points:,}; sensor readings: {readings:,}")

    def cold() -> None:
        cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
        panels_for(user)

    print("panels, cache emptied each run:  ", timed(args.runs, cold))
    client.get("/dashboard")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    print(
        f"GET /admin/ ({len(queries.captured_queries)} queries):    ",
        timed(args.runs, lambda: client.get("/admin/")),
    )
    print("GET /dashboard:                   ", timed(args.runs, lambda: client.get("/dashboard")))
    machine = Machine.objects.filter(location="bench").order_by("name").first()
    page = f"/admin/machines/machine/{machine.pk}/change/"
    for key in ("24h", "7d"):
        print(
            f"machine page, charts {key:>3}:       ",
            timed(args.runs, lambda k=key: client.get(f"{page}?chart_range={k}")),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
