"""Monthly range partitions of the SQL store's reading table, on PostgreSQL.

The table is partitioned by `timestamp` (migration 0004), with one partition per calendar month
(`<table>_yYYYYmMM`) and a DEFAULT partition that catches anything outside them, so an ingest never
fails for want of a partition. `ensure_month_partitions` creates months ahead (cron, and on
`purge_telemetry`); a month that already has rows in the DEFAULT partition gets them moved into its
new partition. Retention then drops whole months instead of deleting rows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db import connection, transaction

from machines.models import SensorReading

TABLE = SensorReading._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
_MONTH_NAME = re.compile(rf"^{re.escape(TABLE)}_y(\d{{4}})m(\d{{2}})$")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _add_months(month: datetime, count: int) -> datetime:
    index = month.year * 12 + month.month - 1 + count
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s AND relkind = 'p'", [TABLE])
        return cursor.fetchone() is not None


def month_partitions() -> dict[datetime, str]:
    """The monthly partitions that exist: month start -> table name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = {}
    for name in names:
        match = _MONTH_NAME.match(name)
        if match:
            months[datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)] = name
    return months


def ensure_month_partitions(*, now: datetime, months_ahead: int = 3, months_back: int = 0) -> list[str]:
    """Create the monthly partitions from `months_back` before `now` to `months_ahead` after it;
    returns the names created. Rows already in the DEFAULT partition for such a month move into it."""
    if not is_partitioned():
        return []
    existing = month_partitions()
    created = []
    first = _month_start(now)
    for offset in range(-months_back, months_ahead + 1):
        month = _add_months(first, offset)
        if month in existing:
            continue
        _create_month(month)
        created.append(partition_name(month))
    return created


def _create_month(month: datetime) -> None:
    name, upper = partition_name(month), _add_months(month, 1)
    table, ts = _q(name), _q("timestamp")
    with transaction.atomic(), connection.cursor() as cursor:
        # A standalone table first: attaching it checks its rows, and the DEFAULT partition must
        # give up the month's rows before a partition for that month can exist beside it.
        cursor.execute(f"CREATE TABLE {table} (LIKE {_q(TABLE)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {_q(DEFAULT_PARTITION)} WHERE {ts} >= %s AND {ts} < %s "  # noqa: S608
            f"RETURNING *) INSERT INTO {table} SELECT * FROM moved",
            [month, upper],
        )
        attach = f"ALTER TABLE {_q(TABLE)} ATTACH PARTITION {table} FOR VALUES FROM (%s) TO (%s)"
        cursor.execute(attach, [month, upper])


def drop_months_before(cutoff: datetime) -> tuple[int, int]:
    """Drop every monthly partition that ends on or before `cutoff`; (partitions, rows) dropped."""
    if not is_partitioned():
        return 0, 0
    dropped = rows = 0
    for month, name in sorted(month_partitions().items()):
        if _add_months(month, 1) > cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {_q(name)}")  # noqa: S608
            rows += cursor.fetchone()[0]
            # Deferred foreign-key checks of rows written earlier in this transaction must run
            # before their table can go.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DROP TABLE {_q(name)}")
        dropped += 1
    return dropped, rows
