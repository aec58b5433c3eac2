"""Reads of the sensors app (HackSoft's selectors): the API, the admin and the services read here.

A selector takes typed keyword arguments and returns querysets, rows or plain values; it never
writes and never knows about HTTP. An id that names nothing raises the domain's NotFound error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Q, QuerySet
from django.db.models.functions import TruncDate

from config import cache as shared_cache
from sensors.choices import DataStatus, SensorStatus
from sensors.exceptions import SensorDataNotFound, SensorNotFound, UnitNotFound
from sensors.models import Sensor, SensorData, Unit

# Bumped by every write that changes which readings exist or their status (services).
COUNT_GENERATION_KEY = "sensors:data:gen"

READING_DETAILS = {
    "sensor_name": F("sensor__name"),
    "sensor_type": F("sensor__sensor_type"),
    "unit_name": F("sensor__unit__name"),
}


def unit_list() -> QuerySet[Unit]:
    """Every unit, in the model's order."""
    return Unit.objects.all()


def unit_with_sensor_counts(*, units: QuerySet[Unit]) -> QuerySet[Unit]:
    """`units` annotated with `sensor_count` (the admin's change list)."""
    return units.annotate(sensor_count=Count("sensors"))


def unit_exists(*, unit_id: int) -> bool:
    return Unit.objects.filter(pk=unit_id).exists()


def unit_find(*, name: str) -> Unit | None:
    """The oldest unit of this name (names are not unique), or None."""
    return Unit.objects.filter(name=name).order_by("id").first()


def sensor_list() -> QuerySet[Sensor]:
    """Every sensor, in the model's order."""
    return Sensor.objects.all()


def sensor_get(*, sensor_id: int) -> Sensor:
    """One sensor as committed now."""
    found = list(Sensor.objects.filter(pk=sensor_id)[:1])
    if not found:
        raise SensorNotFound(sensor_id)
    return found[0]


def sensor_exists(*, sensor_id: int) -> bool:
    return Sensor.objects.filter(pk=sensor_id).exists()


def sensor_find(*, unit: Unit, name: str) -> Sensor | None:
    """The oldest sensor of this name in the unit, or None."""
    return Sensor.objects.filter(unit=unit, name=name).order_by("id").first()


def sensor_has_readings(*, sensor: Sensor) -> bool:
    return SensorData.objects.filter(sensor_id=sensor.pk).exists()


def reading_list() -> QuerySet[SensorData]:
    """Every reading, newest first (the model's order)."""
    return SensorData.objects.all()


def reading_rows(*, readings: QuerySet[SensorData], fields: tuple[str, ...], details: bool) -> QuerySet:
    """`readings` as dicts of `fields`; `details` joins the sensor's and unit's names in the same
    query (INNER JOINs: the foreign keys are NOT NULL), never a query per row."""
    if details:
        return readings.values(*fields, **READING_DETAILS)
    return readings.values(*fields)


def reading_count(*, readings: QuerySet[SensorData], key: str) -> int:
    """`readings.count()`, cached under `key` (the list's filters) until the next write.

    Counting 50,000 index entries costs more than the whole rest of a list request; between writes
    the answer cannot change, so it is kept with the generation it was counted under and reused
    while that generation is current. One cache round trip; a miss counts in the database.
    """
    ttl = shared_cache.answer_ttl(settings.SENSORS_COUNT_CACHE_TTL)
    if not ttl:
        return readings.count()
    count_key = f"sensors:data:count:{key}"
    token, fresh = shared_cache.read(COUNT_GENERATION_KEY, [count_key], mirrored=True)
    if count_key in fresh:
        return fresh[count_key]
    count = readings.count()
    shared_cache.write(token, {count_key: count}, timeout=ttl)
    return count


def reading_get(*, reading_id: int) -> SensorData:
    """One reading as committed now (SensorDataNotFound if it is gone)."""
    found = list(SensorData.objects.filter(pk=reading_id)[:1])
    if not found:
        raise SensorDataNotFound(reading_id)
    return found[0]


def reading_status(*, reading_id: int) -> str:
    """The reading's status as committed now (SensorDataNotFound if it is gone)."""
    rows = SensorData.objects.filter(pk=reading_id).values_list("status", flat=True)[:1]
    if not rows:
        raise SensorDataNotFound(reading_id)
    return rows[0]


def reading_count_older_than(*, before: datetime, statuses: Sequence[str]) -> int:
    """How many readings taken before `before` are in one of `statuses` (what an archive run has to do)."""
    return SensorData.objects.filter(timestamp__lt=before, status__in=statuses).count()


def unit_statistics(*, unit_id: int) -> dict[str, Any]:
    """Sensor counts by status and the readings' count and latest time, in two aggregate queries
    (never one per sensor)."""
    by_status = {
        f"{status}_sensors": Count("sensors", filter=Q(sensors__status=status))
        for status in SensorStatus.values
    }
    rows = list(
        Unit.objects.filter(pk=unit_id)
        .values("id", "name")
        .annotate(total_sensors=Count("sensors"), **by_status)
        .order_by()
    )
    if not rows:
        raise UnitNotFound(unit_id)
    row = rows[0]
    readings = SensorData.objects.filter(sensor__unit_id=unit_id).aggregate(
        total=Count("id"), latest=Max("timestamp")
    )
    return {
        "unit_id": row["id"],
        "unit_name": row["name"],
        "total_sensors": row["total_sensors"],
        **{key: row[key] for key in by_status},
        "total_data_points": readings["total"],
        "latest_data_timestamp": readings["latest"],
    }


# The API list's count key for `?status=pending` (sensors/views.py count_rows): the dashboard
# shares its cached count.
PENDING_COUNT_KEY = f"sensor=:status={DataStatus.PENDING}"


def reading_pending_count() -> int:
    """How many readings wait for validation (cached between writes like the list's total)."""
    pending = SensorData.objects.filter(status=DataStatus.PENDING)
    return reading_count(readings=pending, key=PENDING_COUNT_KEY)


def unit_daily_means(*, unit_id: int, start: datetime) -> list[dict[str, Any]]:
    """Per sensor of the unit and local day since `start`: the readings' mean value and count, as
    rows `{sensor_id, sensor_name, physical_unit, day, mean, count}` by sensor then day. One grouped
    query over the readings' (sensor, timestamp) index."""
    rows = (
        SensorData.objects.filter(sensor__unit_id=unit_id, timestamp__gte=start)
        .annotate(day=TruncDate("timestamp"))
        .values("sensor_id", "day")
        .annotate(
            sensor_name=F("sensor__name"),
            physical_unit=Max("unit"),
            mean=Avg("value"),
            count=Count("id"),
        )
        .order_by("sensor__name", "sensor_id", "day")
    )
    return list(rows)
