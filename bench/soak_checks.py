"""The soak's verdict (bench/soak.py): throughput per workload, then every invariant checked against
the database and the API's before/after snapshots."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import psycopg

from bench.soak_support import DATABASE_URL, stored_keys

if TYPE_CHECKING:
    from bench.soak import Soak


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


def report(
    soak: Soak,
    wall: float,
    locks_before: dict,
    locks_after: dict,
    stock_before: dict,
    stock_after: dict,
    mqtt_stored: Counter,
) -> int:
    """Print the throughput table and the invariants; 1 if an invariant failed, else 0."""
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
