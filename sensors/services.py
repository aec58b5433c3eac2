"""Business rules of the sensors app: every write to a unit, sensor or reading goes through here.

The reading workflow (pending|invalid -> validated, pending|validated -> invalid, anything but
archived -> archived; archived is read-only) is decided
by the database: each transition is one conditional `UPDATE ... WHERE id = %s AND status IN (...)`,
so of two concurrent validates exactly one matches the row and the other is answered 409. Nothing
here reads a status, decides in Python and writes it back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config import cache as shared_cache
from config.idempotency import IdempotencyKeyReused
from config.services import UNSET, Actor, actor_id, model_update
from config.services import sent as _sent
from sensors import selectors
from sensors.choices import (
    ARCHIVE_FROM,
    EDITABLE,
    INVALIDATE_FROM,
    PHYSICAL_UNITS,
    VALIDATE_FROM,
    DataStatus,
    SensorStatus,
)
from sensors.exceptions import (
    InvalidDataStatus,
    SensorDataAlreadyArchived,
    SensorDataAlreadyInvalid,
    SensorDataAlreadyValidated,
    SensorDataArchivedCannotInvalidate,
    SensorDataArchivedCannotValidate,
    SensorDataArchivedReadOnly,
    SensorDataNotFound,
    SensorNotFound,
    UnitNotFound,
)
from sensors.models import ReadingIdempotencyKey, Sensor, SensorData, Unit
from sensors.permissions import SensorPermissions

logger = logging.getLogger(__name__)


# --- reading counts -----------------------------------------------------------------------------
def _readings_changed() -> None:
    """Invalidate every cached reading count: now (so no reader keeps the old count while a
    transaction runs) and, inside one, again after commit (so nothing counted before the commit
    survives it)."""
    if not shared_cache.answer_ttl(settings.SENSORS_COUNT_CACHE_TTL):
        return
    shared_cache.bump(selectors.COUNT_GENERATION_KEY)
    if transaction.get_connection().in_atomic_block:
        shared_cache.bump_on_commit(selectors.COUNT_GENERATION_KEY)
    # In autocommit the write is already committed: the bump above came after it.


# --- units --------------------------------------------------------------------------------------
def unit_create(*, name: str, location: str, description: str | None = None, actor: Actor) -> Unit:
    """A new unit; `full_clean` holds the length and not-blank rules on every path (API, admin, seed)."""
    unit = Unit(name=name, location=location, description=description)
    unit.full_clean()
    unit.save()
    logger.info("unit %s created by actor=%s", unit.pk, actor_id(actor))
    return unit


def unit_update(
    *,
    unit: Unit,
    name: str = UNSET,
    location: str = UNSET,
    description: str | None = UNSET,
    actor: Actor,
) -> Unit:
    """Change only the fields given; nothing given changes nothing (and writes nothing)."""
    data = _sent(name=name, location=location, description=description)
    unit, changed = model_update(instance=unit, fields=["name", "location", "description"], data=data)
    if changed:
        logger.info("unit %s changed %s by actor=%s", unit.pk, changed, actor_id(actor))
    return unit


def unit_delete(*, unit: Unit, actor: Actor) -> int:
    """Delete a unit with its sensors and their readings (database cascade through the collector)."""
    pk = unit.pk
    deleted, _ = Unit.objects.filter(pk=pk).delete()
    if not deleted:
        raise UnitNotFound(pk)
    _readings_changed()
    logger.info("unit %s deleted by actor=%s", pk, actor_id(actor))
    return pk


# --- sensors ------------------------------------------------------------------------------------
def _require_unit(unit_id: int) -> None:
    if not selectors.unit_exists(unit_id=unit_id):
        raise UnitNotFound(unit_id)


def sensor_create(
    *,
    name: str,
    sensor_type: str,
    unit_id: int,
    status: str = SensorStatus.ACTIVE,
    description: str | None = None,
    actor: Actor,
) -> Sensor:
    """A new sensor in an existing unit (unknown unit: 404 `"Unit with id N not found"`)."""
    _require_unit(unit_id)
    sensor = Sensor(
        name=name, sensor_type=sensor_type, unit_id=unit_id, status=status, description=description
    )
    sensor.full_clean(validate_unique=False, validate_constraints=True)
    try:
        sensor.save()
    except IntegrityError:
        # The unit was deleted after the check (its deferred foreign key fails as the INSERT commits).
        raise UnitNotFound(unit_id) from None
    logger.info("sensor %s created in unit %s by actor=%s", sensor.pk, unit_id, actor_id(actor))
    return sensor


def sensor_update(
    *,
    sensor: Sensor,
    name: str = UNSET,
    sensor_type: str = UNSET,
    status: str = UNSET,
    description: str | None = UNSET,
    unit_id: int = UNSET,
    actor: Actor,
) -> Sensor:
    """Change only the fields given; moving the sensor to another unit needs that unit to exist."""
    data = _sent(name=name, sensor_type=sensor_type, status=status, description=description, unit_id=unit_id)
    if "unit_id" in data and data["unit_id"] != sensor.unit_id:
        _require_unit(data["unit_id"])
    sensor, changed = model_update(
        instance=sensor, fields=["name", "sensor_type", "status", "description", "unit_id"], data=data
    )
    if changed:
        logger.info("sensor %s changed %s by actor=%s", sensor.pk, changed, actor_id(actor))
    return sensor


def sensor_delete(*, sensor: Sensor, actor: Actor) -> int:
    """Delete a sensor with its readings."""
    pk = sensor.pk
    deleted, _ = Sensor.objects.filter(pk=pk).delete()
    if not deleted:
        raise SensorNotFound(pk)
    _readings_changed()
    logger.info("sensor %s deleted by actor=%s", pk, actor_id(actor))
    return pk


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


def sensordata_create_once(
    *, idempotency_key: str, fingerprint: str, actor: Actor, **fields: Any
) -> ReadingResult:
    """`sensordata_create` at most once per caller and `Idempotency-Key` (within
    SENSORS_IDEMPOTENCY_KEY_WINDOW): the reading and its key record are written in one transaction,
    and the unique (caller, key) lets exactly one of two concurrent requests in; the other, and
    every later repeat, gets the first reading back. The same key with another body: 422."""
    owner_id = actor_id(actor)
    if owner_id is None:
        # Keys are scoped to a caller; a command has none (and never retries over HTTP).
        return ReadingResult(sensordata_create(**fields, actor=actor), replayed=False)
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
    the shape; the status CHECK constraint backs it in the database).
    """
    if not selectors.sensor_exists(sensor_id=sensor_id):
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
        # The sensor was deleted between the check and the INSERT (in autocommit the deferred
        # foreign key is checked as the INSERT commits): the same 404 as if it had been missing.
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
    for name in changed:
        setattr(sensordata, name, data[name])
    sensordata.full_clean()
    now = timezone.now()
    moved = SensorData.objects.filter(pk=sensordata.pk, status__in=EDITABLE).update(
        **{name: getattr(sensordata, name) for name in changed}, updated_at=now
    )
    if not moved:
        # 404 if gone; otherwise it was archived meanwhile.
        selectors.reading_status(reading_id=sensordata.pk)
        raise SensorDataArchivedReadOnly(sensordata.pk)
    sensordata.updated_at = now
    logger.info("reading %s changed %s by actor=%s", sensordata.pk, changed, actor_id(actor))
    return sensordata


def sensordata_delete(*, sensordata: SensorData, actor: Actor) -> int:
    pk = sensordata.pk
    deleted, _ = SensorData.objects.filter(pk=pk).delete()
    if not deleted:
        raise SensorDataNotFound(pk)
    _readings_changed()
    logger.info("reading %s deleted by actor=%s", pk, actor_id(actor))
    return pk


def _transition(pk: int, from_statuses: Sequence[str], to_status: str, *, actor: Actor) -> bool:
    """The one conditional UPDATE of a transition: True if this call moved the row."""
    now = timezone.now()
    moved = bool(
        SensorData.objects.filter(pk=pk, status__in=from_statuses).update(
            status=to_status, updated_at=now, **_workflow_stamp(to_status, actor=actor, now=now)
        )
    )
    if moved:
        _readings_changed()  # the per-status counts moved
    return moved


def sensordata_validate(*, sensordata_id: int, actor: Actor) -> SensorData:
    """pending|invalid -> validated. Already validated or archived (also by a concurrent call): 409."""
    if not _transition(sensordata_id, VALIDATE_FROM, DataStatus.VALIDATED, actor=actor):
        # The UPDATE matched nothing: say why from what is committed now. No transition leads back
        # to pending/invalid, so the row is gone, validated or archived.
        status = selectors.reading_status(reading_id=sensordata_id)
        if status == DataStatus.ARCHIVED:
            raise SensorDataArchivedCannotValidate(sensordata_id)
        raise SensorDataAlreadyValidated(sensordata_id)
    logger.info("reading %s validated by actor=%s", sensordata_id, actor_id(actor))
    return selectors.reading_get(reading_id=sensordata_id)


def sensordata_archive(*, sensordata_id: int, actor: Actor) -> SensorData:
    """Any status but archived -> archived. Already archived (also by a concurrent call): 409."""
    if not _transition(sensordata_id, ARCHIVE_FROM, DataStatus.ARCHIVED, actor=actor):
        # 404 if gone; otherwise it can only be archived already.
        selectors.reading_status(reading_id=sensordata_id)
        raise SensorDataAlreadyArchived(sensordata_id)
    logger.info("reading %s archived by actor=%s", sensordata_id, actor_id(actor))
    return selectors.reading_get(reading_id=sensordata_id)


def sensordata_invalidate(*, sensordata_id: int, actor: Actor) -> SensorData:
    """pending|validated -> invalid (a reading found wrong). Already invalid or archived: 409."""
    if not _transition(sensordata_id, INVALIDATE_FROM, DataStatus.INVALID, actor=actor):
        status = selectors.reading_status(reading_id=sensordata_id)
        if status == DataStatus.ARCHIVED:
            raise SensorDataArchivedCannotInvalidate(sensordata_id)
        raise SensorDataAlreadyInvalid(sensordata_id)
    logger.info("reading %s marked invalid by actor=%s", sensordata_id, actor_id(actor))
    return selectors.reading_get(reading_id=sensordata_id)


def sensordata_archive_older_than(
    *,
    before: datetime,
    statuses: Sequence[str] = ARCHIVE_FROM,
    batch_size: int = 1000,
    dry_run: bool = False,
    actor: Actor,
) -> Iterator[int]:
    """Archive readings taken before `before` whose status is in `statuses`, one batch at a time.

    Yields the number archived by each batch (in a dry run: the number that would be). Each batch
    is one SELECT of up to `batch_size` ids (walking the id order, so a batch never re-reads what
    an earlier one handled) and one `UPDATE ... WHERE id IN (...) AND status IN (...)`: a row that
    changed meanwhile is simply not matched, and a second run finds nothing left to do.
    """
    statuses = [s for s in statuses if s in ARCHIVE_FROM]
    if not statuses or batch_size < 1:
        return
    candidates = SensorData.objects.filter(timestamp__lt=before, status__in=statuses)
    last_id = 0
    while True:
        ids = list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        last_id = ids[-1]
        if dry_run:
            yield len(ids)
            continue
        now = timezone.now()
        archived = candidates.filter(pk__in=ids).update(
            status=DataStatus.ARCHIVED,
            updated_at=now,
            **_workflow_stamp(DataStatus.ARCHIVED, actor=actor, now=now),
        )
        _readings_changed()
        logger.info("archived %s readings (ids <= %s) by actor=%s", archived, last_id, actor_id(actor))
        yield archived
