"""Units and sensors: create, update, delete (a delete cascades to readings and drops the counts)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from config import history
from config.services import UNSET, Actor, actor_id, model_apply
from config.services import sent as _sent
from sensors import selectors
from sensors.choices import (
    SensorStatus,
)
from sensors.exceptions import (
    SensorNotFound,
    UnitNotFound,
)
from sensors.models import Sensor, Unit
from sensors.services.counts import delete_counted

logger = logging.getLogger(__name__)

# The fields a unit's and a sensor's change records carry.
UNIT_FIELDS = ("name", "location", "description")
SENSOR_FIELDS = ("name", "sensor_type", "status", "description", "unit_id")


def _update_recorded(instance: Unit | Sensor, fields: Sequence[str], data: dict, actor: Actor) -> list[str]:
    """Apply what differs (`model_apply`), save it and record before -> after, in one transaction."""
    changes = model_apply(instance=instance, fields=fields, data=data)
    if changes:
        with transaction.atomic():
            instance.save(update_fields=[*changes, "updated_at"])
            history.record(instance, action="update", actor=actor, changes=changes)
    return list(changes)


# --- units --------------------------------------------------------------------------------------
def unit_create(*, name: str, location: str, description: str | None = None, actor: Actor) -> Unit:
    """A new unit; `full_clean` holds the length and not-blank rules on every path (API, admin, seed)."""
    unit = Unit(name=name, location=location, description=description)
    unit.full_clean()
    with transaction.atomic():
        unit.save()
        history.record(unit, action="create", actor=actor, changes=history.created_changes(unit, UNIT_FIELDS))
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
    changed = _update_recorded(unit, UNIT_FIELDS, data, actor)
    if changed:
        logger.info("unit %s changed %s by actor=%s", unit.pk, changed, actor_id(actor))
    return unit


def unit_delete(*, unit: Unit, actor: Actor) -> int:
    """Delete a unit with its sensors and their readings (database cascade through the collector)."""
    return delete_counted(
        Unit, unit.pk, not_found=UnitNotFound, label="unit", actor=actor, fields=UNIT_FIELDS
    )


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
        with transaction.atomic():
            sensor.save()
            history.record(
                sensor, action="create", actor=actor, changes=history.created_changes(sensor, SENSOR_FIELDS)
            )
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
    changed = _update_recorded(sensor, SENSOR_FIELDS, data, actor)
    if changed:
        logger.info("sensor %s changed %s by actor=%s", sensor.pk, changed, actor_id(actor))
    return sensor


def sensor_delete(*, sensor: Sensor, actor: Actor) -> int:
    """Delete a sensor with its readings."""
    return delete_counted(
        Sensor, sensor.pk, not_found=SensorNotFound, label="sensor", actor=actor, fields=SENSOR_FIELDS
    )
