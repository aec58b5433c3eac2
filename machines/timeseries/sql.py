"""SQL backend: the `SensorReading` table in the project's database (PostgreSQL or SQLite).

Writes are one multi-row `INSERT ... ON CONFLICT (machine_id, timestamp) DO UPDATE` per batch
(on PostgreSQL the rows travel as arrays through `unnest`, so a 5,000-point batch is one statement
with seven parameters). Aggregation runs in the database: `date_bin` on PostgreSQL, an epoch
bucket expression on SQLite; the window count rides on the page query (`count(*) OVER ()`).
"""

# ruff: noqa: S608  (table and column names are constants; every value is a bound parameter)
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api.pagination import page_total
from machines.choices import FIELDS
from machines.exceptions import StoreUnavailable
from machines.models import SensorReading, SensorRollup
from machines.timeseries import partitions
from machines.timeseries.base import Page, Point, Query, TimeSeriesStore, dedupe

TABLE = SensorReading._meta.db_table
ROLLUP = SensorRollup._meta.db_table
EPOCH_SQL = "TIMESTAMPTZ '1970-01-01 00:00:00+00'"
HOUR = 3600
_COLUMNS = "machine_id, timestamp, sensor_type, location, temperature, pressure, speed, received_at"
_UPDATE = (
    "sensor_type = EXCLUDED.sensor_type, location = EXCLUDED.location, "
    "temperature = EXCLUDED.temperature, pressure = EXCLUDED.pressure, speed = EXCLUDED.speed, "
    "received_at = EXCLUDED.received_at"
)
_PG_INSERT = (
    f"INSERT INTO {TABLE} AS r ({_COLUMNS}) "
    "SELECT u.*, %s FROM unnest(%s::uuid[], %s::timestamptz[], %s::varchar[], %s::varchar[], "
    "%s::float8[], %s::float8[], %s::float8[]) AS u "
    f"ON CONFLICT (machine_id, timestamp) DO UPDATE SET {_UPDATE}"
)
# Rollup upkeep (PostgreSQL): lock the affected (machine, hour) rows in a fixed order first, so two
# writers of one hour take turns; the recompute statement then starts after the other's commit and
# sees its readings (READ COMMITTED takes a snapshot per statement).
_PG_ROLLUP_LOCK = (
    f"INSERT INTO {ROLLUP} AS o (machine_id, hour, temperature_sum, temperature_count, pressure_sum, "
    "pressure_count, speed_sum, speed_count) "
    "SELECT m, h, 0, 0, 0, 0, 0, 0 FROM unnest(%s::uuid[], %s::timestamptz[]) AS k(m, h) ORDER BY m, h "
    "ON CONFLICT (machine_id, hour) DO UPDATE SET machine_id = o.machine_id"
)
# LATERAL: one index range scan per (machine, hour), never a join over the whole table.
_PG_ROLLUP_RECOMPUTE = (
    f"INSERT INTO {ROLLUP} AS o (machine_id, hour, temperature_sum, temperature_count, pressure_sum, "
    "pressure_count, speed_sum, speed_count) "
    "SELECT k.m, k.h, s.* FROM unnest(%s::uuid[], %s::timestamptz[]) AS k(m, h) "
    "CROSS JOIN LATERAL (SELECT coalesce(sum(r.temperature), 0), count(r.temperature), "
    "coalesce(sum(r.pressure), 0), count(r.pressure), coalesce(sum(r.speed), 0), count(r.speed) "
    f"FROM {TABLE} r WHERE r.machine_id = k.m "
    "AND r.timestamp >= k.h AND r.timestamp < k.h + interval '1 hour') AS s "
    "ON CONFLICT (machine_id, hour) DO UPDATE SET temperature_sum = EXCLUDED.temperature_sum, "
    "temperature_count = EXCLUDED.temperature_count, pressure_sum = EXCLUDED.pressure_sum, "
    "pressure_count = EXCLUDED.pressure_count, speed_sum = EXCLUDED.speed_sum, "
    "speed_count = EXCLUDED.speed_count"
)
_SQLITE_INSERT = (
    f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
    f"ON CONFLICT (machine_id, timestamp) DO UPDATE SET {_UPDATE}"
)


def _hour(value: datetime) -> datetime:
    """The UTC hour a timestamp falls in."""
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _next_hour(value: datetime) -> datetime:
    floor = _hour(value)
    return floor if floor == value else floor + timedelta(hours=1)


def _any_value(fields: Sequence[str]) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__isnull": False})
    return condition


def _clean_row(timestamp: datetime, values: dict, fields: Sequence[str]) -> dict:
    row = {"timestamp": timestamp}
    for name in fields:
        if values.get(name) is not None:
            row[name] = values[name]
    return row


class SQLStore(TimeSeriesStore):
    name = "sql"

    def write(self, points: Sequence[Point]) -> int:
        # A fixed row order: two batches upserting overlapping readings lock them in the same order.
        unique = sorted(dedupe(points), key=lambda p: (p.machine_id, p.timestamp))
        if not unique:
            return 0
        now = timezone.now()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    hours = sorted({(p.machine_id, _hour(p.timestamp)) for p in unique})
                    keys = [[m for m, _ in hours], [h for _, h in hours]]
                    cursor.execute(_PG_ROLLUP_LOCK, keys)
                    cursor.execute(
                        _PG_INSERT,
                        [
                            now,
                            [p.machine_id for p in unique],
                            [p.timestamp for p in unique],
                            [p.sensor_type for p in unique],
                            [p.location for p in unique],
                            [p.temperature for p in unique],
                            [p.pressure for p in unique],
                            [p.speed for p in unique],
                        ],
                    )
                    cursor.execute(_PG_ROLLUP_RECOMPUTE, keys)
                else:
                    adapt = connection.ops.adapt_datetimefield_value
                    stamp = adapt(now)
                    cursor.executemany(
                        _SQLITE_INSERT,
                        [
                            (
                                p.machine_id.hex,
                                adapt(p.timestamp),
                                p.sensor_type,
                                p.location,
                                p.temperature,
                                p.pressure,
                                p.speed,
                                stamp,
                            )
                            for p in unique
                        ],
                    )
        except IntegrityError:
            raise
        except DatabaseError as exc:
            raise StoreUnavailable(
                _("Time-series store unavailable: %(reason)s") % {"reason": exc.__class__.__name__}
            ) from exc
        return len(unique)

    def query(self, query: Query) -> Page:
        try:
            if query.interval_seconds is None:
                return self._raw(query)
            if connection.vendor == "postgresql" and query.interval_seconds % HOUR == 0:
                return self._from_rollup(query)
            return self._aggregated(query)
        except DatabaseError as exc:
            raise StoreUnavailable(
                _("Time-series store unavailable: %(reason)s") % {"reason": exc.__class__.__name__}
            ) from exc

    def _raw(self, query: Query) -> Page:
        rows = (
            SensorReading.objects.filter(
                machine_id=query.machine_id, timestamp__gte=query.start, timestamp__lt=query.end
            )
            .filter(_any_value(query.fields))
            .order_by("timestamp")
        )
        page = list(rows.values("timestamp", *query.fields)[query.offset : query.offset + query.limit])
        total = page_total(offset=query.offset, limit=query.limit, page_len=len(page), count=rows.count)
        return Page(rows=[_clean_row(r["timestamp"], r, query.fields) for r in page], total=total)

    def _aggregated(self, query: Query) -> Page:
        # Field names come from the FIELDS whitelist (validated before), never from user text.
        fields = [name for name in query.fields if name in FIELDS]
        averages = ", ".join(f"avg({name}) AS {name}" for name in fields)
        any_value = " OR ".join(f"{name} IS NOT NULL" for name in fields)
        if connection.vendor == "postgresql":
            bucket = "date_bin(%s, timestamp, TIMESTAMPTZ '1970-01-01 00:00:00+00')"
            bucket_params: list = [timedelta(seconds=query.interval_seconds)]
            bounds = [query.start, query.end]
        else:
            bucket = "(CAST(strftime('%%s', timestamp) AS INTEGER) / %s) * %s"
            bucket_params = [query.interval_seconds, query.interval_seconds]
            adapt = connection.ops.adapt_datetimefield_value
            bounds = [adapt(query.start), adapt(query.end)]
        machine = SensorReading._meta.get_field("machine").get_db_prep_value(query.machine_id, connection)
        sql = (
            f"WITH b AS (SELECT {bucket} AS t, {averages} FROM {TABLE} "
            f"WHERE machine_id = %s AND timestamp >= %s AND timestamp < %s AND ({any_value}) GROUP BY 1) "
            f"SELECT t, {', '.join(fields)}, count(*) OVER () FROM b ORDER BY t LIMIT %s OFFSET %s"
        )
        params = [*bucket_params, machine, *bounds, query.limit, query.offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
            if fetched:
                total = fetched[0][-1]
            else:
                cursor.execute(
                    f"SELECT count(DISTINCT {bucket}) FROM {TABLE} "
                    f"WHERE machine_id = %s AND timestamp >= %s AND timestamp < %s AND ({any_value})",
                    [*bucket_params, machine, *bounds],
                )
                total = cursor.fetchone()[0]
        rows = []
        for record in fetched:
            start = record[0]
            if not isinstance(start, datetime):
                start = datetime.fromtimestamp(int(start), UTC)
            rows.append(_clean_row(start, dict(zip(fields, record[1:-1], strict=True)), fields))
        return Page(rows=rows, total=total)

    def _from_rollup(self, query: Query) -> Page:
        """Hourly and daily means on PostgreSQL: whole hours from the rollup, the partial hours at
        the range's edges from the readings, re-bucketed to the interval."""
        fields = [name for name in query.fields if name in FIELDS]
        sums = ", ".join(f"{n}_sum AS {n}_sum, {n}_count AS {n}_count" for n in fields)
        raw_sums = ", ".join(f"coalesce(sum({n}), 0), count({n})" for n in fields)
        means = ", ".join(f"sum({n}_sum) / nullif(sum({n}_count), 0) AS {n}" for n in fields)
        having = " OR ".join(f"sum({n}_count) > 0" for n in fields)
        bucket = f"date_bin(%s, h, {EPOCH_SQL})"
        sql = (
            f"WITH parts AS ("
            f"SELECT hour AS h, {sums} FROM {ROLLUP} WHERE machine_id = %s AND hour >= %s AND hour < %s "
            f"UNION ALL "
            f"SELECT date_bin('1 hour', timestamp, {EPOCH_SQL}), {raw_sums} FROM {TABLE} "
            "WHERE machine_id = %s AND timestamp >= %s AND timestamp < %s "
            "AND (timestamp < %s OR timestamp >= %s) "
            f"GROUP BY 1), "
            f"b AS (SELECT {bucket} AS t, {means} FROM parts GROUP BY 1 HAVING {having}) "
            f"SELECT t, {', '.join(fields)}, count(*) OVER () FROM b ORDER BY t LIMIT %s OFFSET %s"
        )
        first_full, end_full = _next_hour(query.start), _hour(query.end)
        step = timedelta(seconds=query.interval_seconds)
        params = [
            query.machine_id, first_full, end_full,
            query.machine_id, query.start, query.end, first_full, end_full,
            step, query.limit, query.offset,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
            if fetched:
                total = fetched[0][-1]
            else:
                count_sql = sql.split(" SELECT t,")[0] + " SELECT count(*) FROM b"
                cursor.execute(count_sql, params[:-2])
                total = cursor.fetchone()[0]
        rows = [_clean_row(r[0], dict(zip(fields, r[1:-1], strict=True)), fields) for r in fetched]
        return Page(rows=rows, total=total)

    def rebuild_rollup(self) -> int:
        """Recompute every hour of the rollup from the readings (after a bulk load that bypassed
        `write`); PostgreSQL only. Returns the number of hours written."""
        if connection.vendor != "postgresql":
            return 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT machine_id, date_bin('1 hour', timestamp, {EPOCH_SQL}) AS h FROM {TABLE} "
                "GROUP BY 1, 2 ORDER BY 1, 2"
            )
            hours = cursor.fetchall()
            if hours:
                keys = [[m for m, _ in hours], [h for _, h in hours]]
                cursor.execute(_PG_ROLLUP_LOCK, keys)
                cursor.execute(_PG_ROLLUP_RECOMPUTE, keys)
        return len(hours)

    def delete_before(self, cutoff: datetime) -> int:
        try:
            # PostgreSQL: whole months go by dropping their partitions; the rest row by row.
            _, dropped = partitions.drop_months_before(cutoff)
            with transaction.atomic():
                deleted, _ = SensorReading.objects.filter(timestamp__lt=cutoff).delete()
                deleted += dropped
                if connection.vendor == "postgresql":
                    SensorRollup.objects.filter(hour__lt=_hour(cutoff)).delete()
                    partial = list(
                        SensorRollup.objects.filter(hour=_hour(cutoff)).values_list("machine_id", "hour")
                    )
                    if partial:
                        with connection.cursor() as cursor:
                            cursor.execute(
                                _PG_ROLLUP_RECOMPUTE, [[m for m, _ in partial], [h for _, h in partial]]
                            )
        except DatabaseError as exc:
            raise StoreUnavailable(
                _("Time-series store unavailable: %(reason)s") % {"reason": exc.__class__.__name__}
            ) from exc
        return deleted

    def check(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {TABLE} LIMIT 1")
            cursor.fetchall()
        return f"sql ({connection.vendor})"
