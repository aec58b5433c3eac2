"""The workloads of bench/peers.py: each replaced service's fixtures and loads, and ours'.

Every workload runs the same requests on the peer and on ours (`Side.peer` / `Side.ours` give the
ids and paths each one needs); `closed_loop` is the 32-Python-client driver, `get_wrk` the wrk one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import peer_services
from bench.common import Client, login, request, run_threads, wrk

OURS_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/facility_bench_peers"
OURS_REDIS_URL = "redis://127.0.0.1:6379/3"
FLIP = {"locked": "unlocked", "unlocked": "locked"}
PASSWORD = "Bench-pass-2026"


@dataclass
class Settings:
    connections: int
    duration: int


@dataclass
class Figure:
    rate: float
    errors: int = 0
    note: str = ""
    count: int = 0


@dataclass
class Workload:
    """One measured load: `run(base, context, settings)` → Figure; `aim` is ours/peer."""

    peer: str
    name: str
    aim: float
    run: Callable[[str, dict, Settings], Figure]


@dataclass
class Side:
    """Per-peer fixtures: `peer(base)` and `ours(base)` each give the context the workloads read."""

    peer: Callable[[str], dict]
    ours: Callable[[str], dict]


def get_wrk(path_key: str) -> Callable[[str, dict, Settings], Figure]:
    def run(base: str, ctx: dict, settings: Settings) -> Figure:
        url = base + ctx[path_key]
        wrk(url, connections=settings.connections, seconds=2, token=ctx.get("token"), announce=False)
        fig = wrk(url, connections=settings.connections, seconds=settings.duration, token=ctx.get("token"))
        return Figure(fig["rps"], fig["non2xx"], f"p99 {fig['p99']}")

    return run


def closed_loop(base: str, ctx: dict, settings: Settings, step: Callable) -> Figure:
    """`settings.connections` keep-alive clients looping on `step(client, rng, index, n)` → (ok, errors)."""
    oks = [0] * settings.connections
    errors = [0] * settings.connections
    problems: list[str] = []
    deadline = time.perf_counter() + settings.duration

    def worker(index: int) -> None:
        client, rng, n = Client(base, ctx.get("token")), random.Random(index), 0
        try:
            while time.perf_counter() < deadline:
                n += 1
                try:
                    ok, bad, *problem = step(client, rng, index, n)
                    problems.extend(problem)
                except (OSError, KeyError, TypeError, ValueError) as exc:
                    ok, bad = 0, 1
                    problems.append(repr(exc))
                    client.close()
                    client = Client(base, ctx.get("token"))
                oks[index] += ok
                errors[index] += bad
        finally:
            client.close()

    started = time.perf_counter()
    run_threads(settings.connections, worker)
    fig = Figure(sum(oks) / (time.perf_counter() - started), sum(errors), count=sum(oks))
    if problems:
        fig.note = f"first failure: {problems[0]}"
    return fig


# --- locks ---------------------------------------------------------------------------------------


def lock_versions(base: str, ctx: dict) -> int:
    return sum(
        request(base, "GET", f"/device/{d}/status", token=ctx.get("token"))[1]["version_id"]
        for d in ctx["devices"]
    )


def lock_updates(base: str, ctx: dict, settings: Settings) -> Figure:
    """Read a device's status, then update it with the version read, retrying on 409 with the answer's."""
    before = lock_versions(base, ctx)

    def step(client: Client, rng: random.Random, index: int, n: int) -> tuple[int, int]:
        device = rng.choice(ctx["devices"])
        status, body, _ = client.call("GET", f"/device/{device}/status")
        if status != 200:
            return 0, 1, f"status {status} {body}"
        current, version = body["status"], body["version_id"]
        for _ in range(50):
            payload = {
                "new_status": FLIP.get(current, "locked"),
                "expected_version_id": version,
                "changed_by": f"bench-{index}",
            }
            status, body, _ = client.call("POST", f"/device/{device}/update", payload)
            if status == 200:
                return 1, 0
            if status != 409:
                return 0, 1, f"update {status} {body}"
            detail = body if "current_status" in body else body["detail"]
            current, version = detail["current_status"], detail["current_version_id"]
        return 0, 0

    fig = closed_loop(base, ctx, settings, step)
    lost = (lock_versions(base, ctx) - before) - fig.count
    fig.note = "0 lost" if lost == 0 else f"versions moved {lost:+d} from the acknowledged updates"
    return fig


def locks_peer(base: str) -> dict:
    import psycopg

    peer = peer_services.PEERS["locks"]
    with psycopg.connect(f"{peer_services.PG} dbname={peer.database}") as conn:
        ids = [str(row[0]) for row in conn.execute("SELECT id FROM devices ORDER BY name LIMIT 8")]
    return {"devices": ids, "status_path": f"/device/{ids[0]}/status"}


def locks_ours(base: str) -> dict:
    from bench.locks import ensure_devices

    token = login(base, "admin")
    ids = ensure_devices(base, token, 8)
    return {"token": token, "devices": ids, "status_path": f"/device/{ids[0]}/status"}


# --- OTP -----------------------------------------------------------------------------------------


def otp_pairs(base: str, ctx: dict, settings: Settings) -> Figure:
    """POST /otp/generate with a never-used integer id, then /otp/verify with the code it gave."""
    run_base = random.randrange(10**9, 2 * 10**9) * 10**8

    def step(client: Client, rng: random.Random, index: int, n: int) -> tuple[int, int]:
        ident = run_base + index * 10**6 + n
        status, body, _ = client.call("POST", "/otp/generate", {"id": ident})
        if status != 200:
            return 0, 1, f"generate {status} {body}"
        status, body, _ = client.call("POST", "/otp/verify", {"id": ident, "otp": body["otp"]})
        return (1, 0) if status == 200 else (0, 1, f"verify {status} {body}")

    return closed_loop(base, ctx, settings, step)


# --- sensors -------------------------------------------------------------------------------------


def reading_create(base: str, ctx: dict, settings: Settings) -> Figure:
    def step(client: Client, rng: random.Random, index: int, n: int) -> tuple[int, int]:
        body = {
            "sensor_id": ctx["sensors"][(index + n) % len(ctx["sensors"])],
            "value": 20.0 + n % 10,
            "unit": "celsius",
        }
        status, answer, _ = client.call("POST", ctx["create_path"], body)
        return (1, 0) if status == 201 else (0, 1, f"{status} {answer}")

    return closed_loop(base, ctx, settings, step)


def sensors_peer(base: str) -> dict:
    import psycopg

    peer = peer_services.PEERS["sensors"]
    with psycopg.connect(f"{peer_services.PG} dbname={peer.database}") as conn:
        unit = conn.execute("SELECT min(id) FROM units WHERE name = 'bench-sensors-unit'").fetchone()[0]
        sensors = [row[0] for row in conn.execute("SELECT id FROM sensors WHERE unit_id = %s", (unit,))]
    return {
        "unit_path": f"/api/v1/units/{unit}",
        "list_path": "/api/v1/sensor-data/?limit=50",
        "create_path": "/api/v1/sensor-data/",
        "sensors": sensors,
    }


def sensors_ours(base: str) -> dict:
    from bench.sensors import ensure_fixture, top_up_readings

    token = login(base, "admin")
    unit, sensors = ensure_fixture(base, token)
    top_up_readings(OURS_DATABASE_URL, sensors, 50_000)
    return {
        "token": token,
        "unit_path": f"/api/units/{unit}",
        "list_path": "/api/sensor-data/?limit=50",
        "create_path": "/api/sensor-data/",
        "sensors": sensors,
    }


# --- maintenance ---------------------------------------------------------------------------------


def stock(base: str, ctx: dict) -> int:
    _, rows = request(base, "GET", "/api/v1/items/?limit=100", token=ctx.get("token"))
    rows = rows["results"] if isinstance(rows, dict) else rows
    return sum(row["stock"] for row in rows if row["id"] in ctx["parts"])


def order_create(base: str, ctx: dict, settings: Settings) -> Figure:
    """2-line orders with fresh request ids (32-bit: the maintenance peer stores them so)."""
    before = stock(base, ctx)
    run_base = random.randrange(1, 2**31 - 10**8)
    taken = [0] * settings.connections

    def step(client: Client, rng: random.Random, index: int, n: int) -> tuple[int, int]:
        a, b = rng.sample(ctx["parts"], 2)
        lines = [(a, rng.randint(1, 3)), (b, rng.randint(1, 3))]
        body = {
            "request_id": run_base + index * 10**6 + n,
            "items": [{"spare_part_id": pid, "quantity": q} for pid, q in lines],
        }
        status, answer, _ = client.call("POST", "/api/v1/orders/", body)
        if status != 201:
            return 0, 1, f"{status} {answer}"
        taken[index] += sum(q for _, q in lines)
        return 1, 0

    fig = closed_loop(base, ctx, settings, step)
    missing = (before - stock(base, ctx)) - sum(taken)
    fig.note = "exact" if missing == 0 else f"{-missing} units never deducted"
    return fig


def maintenance_peer(base: str) -> dict:
    status, rows = request(base, "GET", "/api/v1/items/?limit=1000")
    by_sku = {row["sku"]: row for row in rows}
    parts = []
    for index in range(8):
        sku = f"BENCH-STL-M{index}-100"
        row = by_sku.get(sku)
        if row is None:
            body = {"name": f"Bench bolt {index}", "sku": sku, "price": "0.33", "stock": 50_000_000}
            status, row = request(base, "POST", "/api/v1/items/", body)
            if status != 201:
                raise RuntimeError(f"peer part {sku}: {status} {row}")
        elif row["stock"] < 25_000_000:
            request(base, "PATCH", f"/api/v1/items/{sku}", {"stock": 50_000_000})
        parts.append(row["id"])
    return {"parts": parts, "list_path": "/api/v1/items/?limit=10"}


def maintenance_ours(base: str) -> dict:
    from bench.maintenance_orders import ensure_parts

    token = login(base, "admin")
    return {
        "token": token,
        "parts": [pid for pid, _ in ensure_parts(base, token, 8)],
        "list_path": "/api/v1/items/?limit=10",
    }


# --- machines ------------------------------------------------------------------------------------


def machines_peer(base: str) -> dict:
    user = {
        "username": "bench-manager",
        "email": "bench@example.com",
        "password": PASSWORD,
        "role": "Management",
    }
    request(base, "POST", "/api/v1/auth/register", user)
    status, body = request(
        base, "POST", "/api/v1/auth/login", {"username": user["username"], "password": PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"machines peer login: {status} {body}")
    token = body["access_token"]
    for index in range(10):
        machine = {"name": f"bench-machine-{index}", "location": "bench", "sensor_type": "Temperature"}
        request(base, "POST", "/api/v1/data/machine", machine, token=token)
    return {"token": token, "list_path": "/api/v1/data/machines?limit=10"}


def machines_ours(base: str) -> dict:
    return {"token": login(base, "operator1"), "list_path": "/api/v1/data/machines?limit=10"}


SIDES = {
    "locks": Side(locks_peer, locks_ours),
    "otp": Side(lambda base: {}, lambda base: {}),
    "sensors": Side(sensors_peer, sensors_ours),
    "maintenance": Side(maintenance_peer, maintenance_ours),
    "machines": Side(machines_peer, machines_ours),
}
WORKLOADS = [
    Workload("locks", "lock GET /device/{id}/status (wrk)", 4.0, get_wrk("status_path")),
    Workload("locks", "lock read-then-update, successful updates/s", 2.4, lock_updates),
    Workload("otp", "OTP generate+verify pairs/s (Python clients)", 1.0, otp_pairs),
    Workload("sensors", "sensors unit detail (wrk)", 1.0, get_wrk("unit_path")),
    Workload("sensors", "sensors reading list limit=50 (wrk)", 1.0, get_wrk("list_path")),
    Workload("sensors", "sensors reading create/s (Python clients)", 1.0, reading_create),
    Workload("maintenance", "order create, 2 lines/s (Python clients)", 1.5, order_create),
    Workload("maintenance", "parts list limit=10 (wrk)", 2.0, get_wrk("list_path")),
    Workload("machines", "machines list limit=10 (wrk, Bearer)", 2.0, get_wrk("list_path")),
]
