"""Business rules of the sensors app: every write to a unit, sensor or reading goes through here,
one module per concern (as `maintenance.services` and `staff.*.services`):

- `catalogue`: units and sensors;
- `readings`: a reading's create (once per Idempotency-Key), import, update and delete;
- `workflow`: the status transitions, each one conditional UPDATE the database decides;
- `counts`: invalidating the cached reading counts after a write.

Callers import this package (`from sensors import services`); the names below are its interface.
"""

from __future__ import annotations

from sensors.services.catalogue import (
    sensor_create,
    sensor_delete,
    sensor_update,
    unit_create,
    unit_delete,
    unit_update,
)
from sensors.services.readings import (
    STATUS_PERMISSIONS,
    ReadingResult,
    sensor_physical_unit,
    sensordata_allowed_statuses,
    sensordata_create,
    sensordata_create_once,
    sensordata_delete,
    sensordata_idempotency_purge,
    sensordata_import,
    sensordata_update,
)
from sensors.services.workflow import (
    sensordata_archive,
    sensordata_archive_older_than,
    sensordata_invalidate,
    sensordata_validate,
)

__all__ = [
    "STATUS_PERMISSIONS",
    "ReadingResult",
    "sensor_create",
    "sensor_delete",
    "sensor_physical_unit",
    "sensor_update",
    "sensordata_allowed_statuses",
    "sensordata_archive",
    "sensordata_archive_older_than",
    "sensordata_create",
    "sensordata_create_once",
    "sensordata_delete",
    "sensordata_idempotency_purge",
    "sensordata_import",
    "sensordata_invalidate",
    "sensordata_update",
    "sensordata_validate",
    "unit_create",
    "unit_delete",
    "unit_update",
]
