"""PostgreSQL: the reading table is partitioned by month; partitions are made ahead, rows that
landed in the DEFAULT partition move into their month's new partition, and retention drops months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from machines.models import SensorReading
from machines.timeseries import partitions
from machines.timeseries.sql import SQLStore

pytestmark = pytest.mark.postgres


def reading(machine, at: datetime) -> SensorReading:
    return SensorReading.objects.create(
        machine=machine, timestamp=at, sensor_type="Temperature", location="Floor 1", temperature=21.5
    )


def home_table(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {partitions.TABLE} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_table_is_partitioned_by_month_with_a_default(db):
    assert partitions.is_partitioned()
    this_month = datetime(timezone.now().year, timezone.now().month, 1, tzinfo=UTC)
    assert this_month in partitions.month_partitions()


def test_rows_in_the_default_partition_move_into_a_new_month(db, machine):
    far = timezone.now() + timedelta(days=400)
    row = reading(machine, far)
    assert home_table(row.pk) == partitions.DEFAULT_PARTITION
    created = partitions.ensure_month_partitions(now=far, months_ahead=0)
    assert created == [partitions.partition_name(far)]
    assert home_table(row.pk) == partitions.partition_name(far)
    assert SensorReading.objects.filter(pk=row.pk).exists()
    assert partitions.ensure_month_partitions(now=far, months_ahead=0) == []


def test_retention_drops_whole_months_and_deletes_the_rest(db, machine):
    old_month = datetime(2024, 3, 1, tzinfo=UTC)
    partitions.ensure_month_partitions(now=old_month, months_ahead=0)
    old = [reading(machine, old_month + timedelta(days=d)) for d in (1, 2, 3)]
    straddling = reading(machine, datetime(2024, 4, 2, tzinfo=UTC))  # default partition
    kept = reading(machine, timezone.now() - timedelta(minutes=5))
    deleted = SQLStore().delete_before(datetime(2024, 4, 10, tzinfo=UTC))
    assert deleted == len(old) + 1
    assert old_month not in partitions.month_partitions()
    remaining = set(SensorReading.objects.values_list("pk", flat=True))
    assert kept.pk in remaining and straddling.pk not in remaining
    assert not remaining & {row.pk for row in old}


def test_the_command_creates_months_ahead(db):
    out = StringIO()
    call_command("ensure_telemetry_partitions", "--months-ahead", "6", stdout=out)
    assert "created" in out.getvalue()
    months = partitions.month_partitions()
    first = datetime(timezone.now().year, timezone.now().month, 1, tzinfo=UTC)
    assert all(partitions._add_months(first, n) in months for n in range(7))
