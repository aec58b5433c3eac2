"""Threshold alerts: what the ingest service does with each batch's points, and acknowledging one.

`alerts_check` runs after every store write (HTTP and MQTT, machines.services.ingest): the rules
(machines.alert_rules) compare each point with the cached thresholds; only a batch with a breach, or
with readings of a machine that has an open alert, touches the database, and then with at most two
statements: one multi-row upsert (one row per machine, metric and bound) and one close.

The database decides races: the partial unique index `machines_alert_one_open` lets one open
alert exist per (machine, metric, bound), so two ingests upserting the same condition at once end
with one row (`INSERT ... ON CONFLICT ... WHERE closed_at IS NULL DO UPDATE`); rows are written in
key order, each statement on its own, so two batches cannot deadlock on each other's rows.
"""

# ruff: noqa: S608  (table and column names are constants; every value is a bound parameter)
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

from config.services import Actor, actor_id
from machines import cache as keys
from machines import selectors
from machines.alert_rules import AlertKey, Breach, ReadingValues, breaches, clears
from machines.choices import AlertBound, AlertSeverity
from machines.exceptions import AlertAlreadyAcknowledged, AlertNotFound
from machines.models import Alert

logger = logging.getLogger(__name__)

_INSERTED = (
    "machine_id",
    "metric",
    "bound",
    "severity",
    "threshold",
    "last_value",
    "peak_value",
    "first_seen",
    "last_seen",
    "count",
    "notified_severity",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class AlertCheckResult:
    """What one batch did to the alerts: conditions opened or updated, alerts closed."""

    upserted: int = 0
    closed: int = 0


def _upsert_sql(rows: int) -> str:
    greatest, least = ("GREATEST", "LEAST") if connection.vendor == "postgresql" else ("MAX", "MIN")
    table = connection.ops.quote_name(Alert._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    return (
        f"INSERT INTO {table} AS a ({', '.join(_INSERTED)}) VALUES {', '.join([placeholders] * rows)} "
        "ON CONFLICT (machine_id, metric, bound) WHERE closed_at IS NULL DO UPDATE SET "
        f"severity = CASE WHEN a.severity = '{AlertSeverity.CRITICAL}' THEN a.severity "
        "ELSE EXCLUDED.severity END, "
        "threshold = EXCLUDED.threshold, "
        "last_value = CASE WHEN EXCLUDED.last_seen >= a.last_seen THEN EXCLUDED.last_value "
        "ELSE a.last_value END, "
        f"peak_value = CASE WHEN a.bound = '{AlertBound.MIN}' "
        f"THEN {least}(a.peak_value, EXCLUDED.peak_value) "
        f"ELSE {greatest}(a.peak_value, EXCLUDED.peak_value) END, "
        f"first_seen = {least}(a.first_seen, EXCLUDED.first_seen), "
        f"last_seen = {greatest}(a.last_seen, EXCLUDED.last_seen), "
        "count = a.count + EXCLUDED.count, "
        "updated_at = EXCLUDED.updated_at"
    )


def _db(name: str, value: object) -> object:
    """A value as the column's driver wants it (a UUID as hex and times as text on SQLite)."""
    return Alert._meta.get_field(name).get_db_prep_save(value, connection)


def _upsert(found: Mapping[AlertKey, Breach], now: datetime) -> None:
    params: list[object] = []
    for key in sorted(found):
        breach = found[key]
        machine_id, metric, bound = key
        values = (
            machine_id,
            metric,
            bound,
            breach.severity,
            breach.threshold,
            breach.last_value,
            breach.peak_value,
            breach.first_seen,
            breach.last_seen,
            breach.count,
            "",
            now,
            now,
        )
        params.extend(_db(name, value) for name, value in zip(_INSERTED, values, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(len(found)), params)


def _close(closing: Mapping[AlertKey, datetime], now: datetime) -> int:
    """Close each open alert whose condition had a reading back inside the limit after its last breach."""
    table = connection.ops.quote_name(Alert._meta.db_table)
    conditions, params = [], []
    for key in sorted(closing):
        machine_id, metric, bound = key
        conditions.append("(machine_id = %s AND metric = %s AND bound = %s AND last_seen < %s)")
        params += [_db("machine_id", machine_id), metric, bound, _db("last_seen", closing[key])]
    chosen = f"SELECT id FROM {table} WHERE closed_at IS NULL AND ({' OR '.join(conditions)})"
    if connection.vendor == "postgresql":
        # Locked in key order, as the upsert writes them: no deadlock between two batches.
        chosen += " ORDER BY machine_id, metric, bound FOR UPDATE"
    stamp = _db("closed_at", now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET closed_at = %s, updated_at = %s WHERE id IN ({chosen})",
            [stamp, stamp, *params],
        )
        return cursor.rowcount


def alerts_check(*, points: Sequence[ReadingValues]) -> AlertCheckResult:
    """Check stored points against the thresholds in force: open or update one alert per
    (machine, metric, bound) past a limit, close those back inside it (by the hysteresis) after
    their last breach. Called by the ingest service after each store write."""
    if not points:
        return AlertCheckResult()
    state = selectors.alert_state(machine_ids={point.machine_id for point in points})
    found = breaches(points, state.rules)
    machines = {point.machine_id for point in points} if state.open_keys else set()
    watched = {key for key in state.open_keys if key[0] in machines} | found.keys()
    closing = clears(points, state.rules, watched)
    if not found and not closing:
        return AlertCheckResult()
    now = timezone.now()
    if found:
        _upsert(found, now)
    closed = _close(closing, now) if closing else 0
    if closed or any(key not in state.open_keys for key in found):
        keys.invalidate_alerts()
    if found or closed:
        logger.info("alerts: %d conditions past a limit, %d alerts closed", len(found), closed)
    return AlertCheckResult(upserted=len(found), closed=closed)


def alert_acknowledge(*, alert_id: int, actor: Actor) -> Alert:
    """Mark an alert seen by `actor` (Supervisor and up); AlertNotFound (404), or
    AlertAlreadyAcknowledged (409) when someone did first: the conditional UPDATE decides a race."""
    now = timezone.now()
    who = actor_id(actor)
    done = Alert.objects.filter(pk=alert_id, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by_id=who, updated_at=now
    )
    alert = selectors.alert_get(alert_id=alert_id)
    if alert is None:
        raise AlertNotFound()
    if not done:
        raise AlertAlreadyAcknowledged()
    logger.info("alert %s acknowledged by actor=%s", alert_id, who)
    return alert


__all__ = ["AlertCheckResult", "alert_acknowledge", "alerts_check"]
