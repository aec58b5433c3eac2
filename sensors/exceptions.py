"""Domain errors of the sensors app, with the specification's messages verbatim;
config.api.exceptions turns them into HTTP answers."""

from __future__ import annotations

from config.errors import ConflictError, DomainError, NotFoundError


class _NotFoundById(NotFoundError):
    """404 `"<Thing> with id N not found"`; a malformed id names nothing and gets the plain text."""

    thing = "Object"

    def __init__(self, pk: object | None = None) -> None:
        detail = f"{self.thing} with id {pk} not found" if pk is not None else f"{self.thing} not found"
        super().__init__(detail)
        self.pk = pk


class UnitNotFound(_NotFoundById):
    thing = "Unit"


class SensorNotFound(_NotFoundById):
    thing = "Sensor"


class SensorDataNotFound(_NotFoundById):
    thing = "Sensor data"


class InvalidId(DomainError):
    """400: an id of zero or below, in a path or a filter (`"Unit ID must be positive"`)."""

    def __init__(self, label: str) -> None:
        super().__init__(f"{label} ID must be positive")


class InvalidDataStatus(DomainError):
    """400: a reading status outside pending|validated|archived|invalid."""

    default_detail = "Status must be one of: pending, validated, archived, invalid."


class SensorDataConflict(ConflictError):
    """409: the reading is not in a status the transition starts from."""


class SensorDataAlreadyValidated(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(f"Sensor data {pk} is already validated")


class SensorDataArchivedCannotValidate(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(f"Cannot validate archived sensor data {pk}")


class SensorDataAlreadyArchived(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(f"Sensor data {pk} is already archived")


class SensorDataAlreadyInvalid(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(f"Sensor data {pk} is already invalid")


class SensorDataArchivedCannotInvalidate(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(f"Cannot mark archived sensor data {pk} invalid")


class SensorDataArchivedReadOnly(SensorDataConflict):
    """409: an archived reading is read-only."""

    def __init__(self, pk: int) -> None:
        super().__init__(f"Sensor data {pk} is archived and cannot be changed")


__all__ = [
    "InvalidDataStatus",
    "InvalidId",
    "SensorDataAlreadyArchived",
    "SensorDataAlreadyInvalid",
    "SensorDataAlreadyValidated",
    "SensorDataArchivedCannotInvalidate",
    "SensorDataArchivedCannotValidate",
    "SensorDataArchivedReadOnly",
    "SensorDataConflict",
    "SensorDataNotFound",
    "SensorNotFound",
    "UnitNotFound",
]
