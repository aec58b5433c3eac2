"""Readings: create (once per Idempotency-Key), import, update, delete, and who may set which status."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config import history
from config.idempotency import IdempotencyKeyReused
from config.idempotency import fingerprint as body_fingerprint
from config.services import UNSET, Actor, actor_id
from config.services import sent as _sent
from sensors import selectors
from sensors.choices import (
    EDITABLE,
    PHYSICAL_UNITS,
    DataStatus,
)
from sensors.exceptions import (
    InvalidDataStatus,
    SensorDataArchivedReadOnly,
    SensorDataNotFound,
    SensorNotFound,
)
from sensors.models import ReadingIdempotencyKey, Sensor, SensorData
from sensors.permissions import SensorPermissions
from sensors.services.counts import delete_counted
from sensors.services.counts import readings_changed as _readings_changed

logger = logging.getLogger(__name__)


# --- readings -----------------------------------------------------------------------------------
# The permission that lets an actor record a reading already in a status other than pending: the
# one that moves a reading there.
STATUS_PERMISSIONS = {
    DataStatus.VALIDATED: SensorPermissions.VALIDATE_SENSORDATA,
    DataStatus.ARCHIVED: SensorPermissions.ARCHIVE_SENSORDATA,
    DataStatus.INVALID: SensorPermissions.INVALIDATE_SENSORDATA,
}


def sensordata_allowed_statuses(*, actor: Actor) -> list[str]:
    """The statuses `actor` may give a new reading: pending, and each one whose transition they may
    make. A command (no actor) may give any."""
    return [DataStatus.PENDING] + [
        status for status, perm in STATUS_PERMISSIONS.items() if actor is None or actor.has_perm(perm)
    ]


def _workflow_stamp(status: str, *, actor: Actor, now: datetime) -> dict[str, Any]:
    """The who-and-when fields a move into `status` records."""
    if status == DataStatus.VALIDATED:
        return {"validated_by_id": actor_id(actor), "validated_at": now}
    if status == DataStatus.ARCHIVED:
        return {"archived_by_id": actor_id(actor), "archived_at": now}
    return {}


@dataclass(frozen=True)
class ReadingResult:
    """A reading from `sensordata_create_once`: new, or the one an earlier request with the same
    Idempotency-Key created (`replayed`)."""

    reading: SensorData
    replayed: bool

    @property
    def instance(self) -> SensorData:
        """The reading under the name the platform's create-once answer reads (CreateOutcome)."""
        return self.reading


def _keyed_reading(*, owner_id: Any, key: str, digest: str) -> SensorData | None:
    """The reading the caller's fresh `key` created (None if none or expired); 422 for a key
    reused with another body. An expired record is deleted so the key can name a new reading."""
    records = ReadingIdempotencyKey.objects.select_related("reading")
    record = records.filter(created_by_id=owner_id, key=key).first()
    if record is None:
        return None
    window = timedelta(seconds=settings.SENSORS_IDEMPOTENCY_KEY_WINDOW)
    if record.created_at < timezone.now() - window:
        ReadingIdempotencyKey.objects.filter(pk=record.pk, created_at__lt=timezone.now() - window).delete()
        return None
    if record.fingerprint != digest:
        raise IdempotencyKeyReused()
    return record.reading


def sensordata_create_once(*, idempotency_key: str | None, actor: Actor, **fields: Any) -> ReadingResult:
    """`sensordata_create` at most once per caller and `Idempotency-Key` (within
    SENSORS_IDEMPOTENCY_KEY_WINDOW): the reading and its key record are written in one transaction,
    and the unique (caller, key) lets exactly one of two concurrent requests in; the other, and
    every later repeat, gets the first reading back. The same key with another body: 422. No key:
    a plain `sensordata_create`."""
    owner_id = actor_id(actor)
    if idempotency_key is None or owner_id is None:
        # Keys are scoped to a caller; a command has none (and never retries over HTTP).
        return ReadingResult(sensordata_create(**fields, actor=actor), replayed=False)
    fingerprint = body_fingerprint(fields)
    existing = _keyed_reading(owner_id=owner_id, key=idempotency_key, digest=fingerprint)
    if existing is not None:
        return ReadingResult(existing, replayed=True)
    try:
        with transaction.atomic():
            reading = sensordata_create(**fields, actor=actor)
            ReadingIdempotencyKey.objects.create(
                created_by_id=owner_id, key=idempotency_key, fingerprint=fingerprint, reading=reading
            )
    except IntegrityError:
        # A concurrent request with the same key committed first (or the sensor went away).
        existing = _keyed_reading(owner_id=owner_id, key=idempotency_key, digest=fingerprint)
        if existing is None:
            raise SensorNotFound(fields.get("sensor_id")) from None
        return ReadingResult(existing, replayed=True)
    return ReadingResult(reading, replayed=False)


def sensordata_idempotency_purge(*, older_than: timedelta) -> int:
    """Delete reading idempotency keys older than `older_than` (they replay nothing any more)."""
    deleted, _ = ReadingIdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def sensordata_create(
    *,
    sensor_id: int,
    value: float,
    unit: str | None = None,
    status: str = DataStatus.PENDING,
    actor: Actor,
) -> SensorData:
    """Record a reading now (the server sets `timestamp`); unknown sensor: 404.

    A reading starts `pending` unless the actor holds the permission of the status asked for
    (`STATUS_PERMISSIONS`): anyone who may record readings could otherwise skip the workflow. The
    hot write path: one existence check and one INSERT, no full_clean (the serializer has checked
    the shape; the status CHECK constraint backs it in the database). In autocommit (an API
    request) the deferred foreign key is checked as the INSERT commits, so the INSERT alone
    answers an unknown sensor: the existence check runs only inside a transaction, or when a bad
    status would otherwise be answered before the 404.
    """
    check_first = transaction.get_connection().in_atomic_block or status not in DataStatus.values
    if check_first and not selectors.sensor_exists(sensor_id=sensor_id):
        raise SensorNotFound(sensor_id)
    if status not in DataStatus.values:
        raise InvalidDataStatus()
    if status not in sensordata_allowed_statuses(actor=actor):
        logger.info(
            "reading of sensor %s asked as %s by actor=%s: recorded as pending",
            sensor_id,
            status,
            actor_id(actor),
        )
        status = DataStatus.PENDING
    stamp = _workflow_stamp(status, actor=actor, now=timezone.now())
    try:
        reading = SensorData.objects.create(
            sensor_id=sensor_id, value=value, unit=unit, status=status, **stamp
        )
    except IntegrityError:
        # No such sensor (in autocommit the deferred foreign key is checked as the INSERT
        # commits), or it was deleted after the check: the same 404 either way.
        raise SensorNotFound(sensor_id) from None
    _readings_changed()
    logger.debug("reading %s of sensor %s by actor=%s", reading.pk, sensor_id, actor_id(actor))
    return reading


def sensordata_import(
    *, sensor: Sensor, readings: Iterable[tuple[datetime, float, str]], actor: Actor
) -> int:
    """Bulk-load historical readings `(timestamp, value, status)` of one sensor (sample data, imports).

    Unlike `sensordata_create` the timestamps come from the caller, which is why this is not an API.
    """
    unit = sensor_physical_unit(sensor=sensor)
    rows = [
        SensorData(sensor=sensor, value=value, unit=unit, status=status, timestamp=ts, updated_at=ts)
        for ts, value, status in readings
    ]
    if any(row.status not in DataStatus.values for row in rows):
        raise InvalidDataStatus()
    SensorData.objects.bulk_create(rows, batch_size=1000)
    _readings_changed()
    logger.info("imported %s readings of sensor %s by actor=%s", len(rows), sensor.pk, actor_id(actor))
    return len(rows)


def sensor_physical_unit(*, sensor: Sensor) -> str:
    """The unit readings of this sensor's type are given in (celsius, percent, ...)."""
    return PHYSICAL_UNITS.get(sensor.sensor_type, "")


def sensordata_update(
    *, sensordata: SensorData, value: float = UNSET, unit: str | None = UNSET, actor: Actor
) -> SensorData:
    """Change a reading's value and/or unit; an archived reading is read-only (409).

    The status is not among the fields: it moves only through the transitions. The write is one
    conditional `UPDATE ... WHERE status <> 'archived'`, so an edit racing an archive cannot land
    after it.
    """
    if sensordata.status == DataStatus.ARCHIVED:
        raise SensorDataArchivedReadOnly(sensordata.pk)
    data = _sent(value=value, unit=unit)
    changed = [name for name in ("value", "unit") if name in data and getattr(sensordata, name) != data[name]]
    if not changed:
        return sensordata
    diff = {name: [getattr(sensordata, name), data[name]] for name in changed}
    for name in changed:
        setattr(sensordata, name, data[name])
    sensordata.full_clean()
    now = timezone.now()
    with transaction.atomic():
        moved = SensorData.objects.filter(pk=sensordata.pk, status__in=EDITABLE).update(
            **{name: getattr(sensordata, name) for name in changed}, updated_at=now
        )
        if moved:
            history.record(sensordata, action="update", actor=actor, changes=diff, at=now)
    if not moved:
        # 404 if gone; otherwise it was archived meanwhile.
        selectors.reading_status(reading_id=sensordata.pk)
        raise SensorDataArchivedReadOnly(sensordata.pk)
    sensordata.updated_at = now
    logger.info("reading %s changed %s by actor=%s", sensordata.pk, changed, actor_id(actor))
    return sensordata


def sensordata_delete(*, sensordata: SensorData, actor: Actor) -> int:
    """Delete one reading (any status); the counts drop with it."""
    return delete_counted(
        SensorData,
        sensordata.pk,
        not_found=SensorDataNotFound,
        label="reading",
        actor=actor,
        fields=("sensor_id", "value", "unit", "status", "timestamp"),
    )
